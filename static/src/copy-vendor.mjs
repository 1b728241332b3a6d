// Copies the parts of govuk-frontend the service serves into static/vendor/.
// Fonts are deliberately left out: this service uses Arial, not GDS Transport.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const source = "node_modules/govuk-frontend/dist/govuk";
const target = "static/vendor/govuk-frontend";

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(`${source}/govuk-frontend.min.js`, `${target}/govuk-frontend.min.js`);
cpSync(`${source}/assets/images`, `${target}/assets/images`, { recursive: true });
cpSync(`${source}/assets/manifest.json`, `${target}/assets/manifest.json`);
console.log(`Copied govuk-frontend into ${target}`);
