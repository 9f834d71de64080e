export { certificatePdf } from './certificate-export.service.ts';
export { renderCertificatePdf } from './certificate-pdf.ts';
export { renderDocumentPdf, renderPoolFor } from './render-pool.ts';
export { registerCertificateRoutes } from './certificate.routes.ts';
export { certificateExpiryJob, verificationUrl } from './certificate.service.ts';
export { issueInTx, issueOnCompletion } from './issue.service.ts';
export { assertCertificateTemplate, findCertificateTemplate, renderTemplateFor } from './template.service.ts';
