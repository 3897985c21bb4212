/** The folder the project is installed in (a checkout, or a release under /opt/leukodiff): models/, ui/dist, data/ by default. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
