/** The sample report: printable HTML and JSON (with the disclaimer that results need confirmation). */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { getSample } from '../../workflow/changes.ts';
import { renderReportHtml } from '../../workflow/report-html.ts';
import { buildReport } from '../../workflow/report.ts';
import { errors, idParams } from '../schemas/common.ts';

const params = idParams('sampleId');

const report: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  app.get(
    '/api/samples/:sampleId/report',
    { schema: { summary: 'The report as JSON (the same document the hub receives for a signed revision)', tags: ['reports'], params, response: errors } },
    async (req) => buildReport(ctx, getSample(ctx, req.params.sampleId)),
  );

  app.get('/api/samples/:sampleId/report.html', { schema: { summary: 'The printable report (A4)', tags: ['reports'], params, produces: ['text/html'], response: errors } }, async (req, reply) => {
    const html = renderReportHtml(buildReport(ctx, getSample(ctx, req.params.sampleId)));
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").header('cache-control', 'no-store').send(html);
  });
};

export default report;
