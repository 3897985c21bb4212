// `npm ci` / `npm install` hook: builds ui/dist unless Vite is absent (a production install
// without dev dependencies, whose bundle ships ui/dist already built).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let vite;
try {
  require.resolve('vite');
  vite = await import('vite');
} catch {
  console.warn('leukodiff: vite is not installed: ui/dist not rebuilt (run `npm run build:ui` after installing dev dependencies)');
  process.exit(0);
}
const started = Date.now();
await vite.build({ configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)) });
console.log(`leukodiff: kiosk UI built into ui/dist in ${Date.now() - started} ms`);
