/** Everything Node-only, loaded lazily by `platform.ts`. */
export { cacheDir, findFile, gunzipSync, readBytes, resolvePackageFile } from './cache.js';
export { downloadFile, type DownloadOptions } from './download.js';
export { progressReporter, terminalProgress } from './progress.js';
export { join as joinPath } from 'node:path';
