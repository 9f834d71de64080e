/**
 * Files the API takes, as the server checks them (content type read from the bytes, size) and the
 * pages say them before sending: one list for both.
 */
const MB = 1024 * 1024;

export interface UploadLimit {
  /** Accepted content types. */
  accept: readonly string[];
  maxBytes: number;
  /** In words, for messages: "a PDF document". */
  label: string;
}

export const UPLOAD_LIMITS = {
  lessonVideo: { accept: ['video/mp4', 'video/webm'], maxBytes: 500 * MB, label: 'an MP4 or WebM video' },
  lessonPdf: { accept: ['application/pdf'], maxBytes: 50 * MB, label: 'a PDF document' },
  scormPackage: { accept: ['application/zip'], maxBytes: 300 * MB, label: 'a SCORM package (a ZIP archive)' },
  employeeDocument: { accept: ['application/pdf', 'image/png', 'image/jpeg'], maxBytes: 20 * MB, label: 'a PDF, PNG or JPEG file' },
} as const satisfies Record<string, UploadLimit>;
