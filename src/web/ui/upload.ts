/**
 * File uploads with progress: fetch cannot report how much of a request body was sent, so large
 * files (videos, SCORM packages, archives) go through XMLHttpRequest. Answers and failures read
 * like the JSON client's: the parsed body, or an ApiError built from the problem+json.
 */
import { ApiError } from './api.ts';

export interface UploadProgress {
  sent: number;
  total: number;
}

/** Sends `file` as the multipart part "file"; `onProgress` hears how much of the body left. */
export function uploadFile<T>(
  method: 'POST' | 'PUT',
  url: string,
  file: File,
  onProgress?: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<T> {
  const form = new FormData();
  form.append('file', file, file.name);
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    if (onProgress) xhr.upload.onprogress = (e) => onProgress({ sent: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      const json = (): unknown => {
        try {
          return xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
        } catch {
          return undefined;
        }
      };
      if (xhr.status >= 200 && xhr.status < 300) return resolve(json() as T);
      const problem = (json() ?? {}) as { code?: string; detail?: string; errors?: { path: string; message: string }[] };
      reject(
        new ApiError(
          xhr.status,
          problem.code ?? `HTTP_${xhr.status}`,
          problem.detail ?? `The upload failed (HTTP ${xhr.status}).`,
          Array.isArray(problem.errors) ? problem.errors : [],
        ),
      );
    };
    // errorMessage() words a TypeError as "the server could not be reached".
    xhr.onerror = () => reject(new TypeError('The upload was interrupted.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

const MB = 1024 * 1024;

/** "12.4 MB", "830 KB": a size as people read it. */
export function readableSize(bytes: number): string {
  if (bytes >= MB) return `${(bytes / MB).toFixed(bytes >= 100 * MB ? 0 : 1).replace(/\.0$/, '')} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
