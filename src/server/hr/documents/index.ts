export { createDocument, createDocumentType, documentsOfEmployee, existingSourceDocument, fileSourceDocument } from './document.service.ts';
export { registerDocumentRoutes } from './document.routes.ts';
