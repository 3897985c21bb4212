/**
 * Decorates the app with the analysis queue (`app.queue`), the upload intake (`app.intake`) and the
 * thumbnail/crop maker (`app.derived`). The queue starts when the app is ready; on close it lets
 * the run in progress commit before the store closes.
 */
import fp from 'fastify-plugin';
import { readCalibration } from '../../workflow/calibration.ts';
import { DerivedImages } from '../../workflow/derived-images.ts';
import { engineAnalyzer } from '../../workflow/field-analysis.ts';
import { FieldIntake } from '../../workflow/intake.ts';
import { AnalysisQueue } from '../../workflow/queue.ts';

declare module 'fastify' {
  interface FastifyInstance {
    queue: AnalysisQueue;
    intake: FieldIntake;
    derived: DerivedImages;
  }
}

export default fp(
  async (app) => {
    const { config, store } = app;
    const derived = new DerivedImages(store.images);
    const calibration = () => readCalibration(store)?.umPerPixel;
    const queue = new AnalysisQueue(app.workflow, engineAnalyzer(app.engine, store.images, config.maxImagePixels, calibration), derived, app.log);
    app.decorate('derived', derived);
    app.decorate('queue', queue);
    app.decorate('intake', new FieldIntake(app.workflow, queue, config));
    app.addHook('onReady', async () => {
      queue.start();
    });
    // preClose runs before every onClose hook, so the store is still open for the last commit.
    app.addHook('preClose', async () => queue.stop());
  },
  { name: 'queue', dependencies: ['config', 'engine', 'store', 'events'], decorators: { fastify: ['workflow'] } },
);
