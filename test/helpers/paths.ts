import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_MODELS = path.join(ROOT, 'test', 'fixtures', 'models');
export const SHIPPED_MODELS = path.join(ROOT, 'models');
export const DEMO_IMAGES = path.join(ROOT, 'demo', 'images');
