"""The Panel's list of emails the service has queued and sent."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from partnerships import access

from .models import Message

PAGE_SIZE = 50


class MessageListView(LoginRequiredMixin, TemplateView):
    """/panel/messages/: what was sent, to whom, about what, newest first (Panel staff only)."""

    template_name = "notifications/message_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.can_read_sent_messages(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        messages = Message.objects.select_related("partnership", "cycle").order_by(
            "-created_at", "-pk"
        )
        page = Paginator(messages, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)
