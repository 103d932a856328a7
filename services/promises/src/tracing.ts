// Imported first by main.ts: tracing must be set up before anything it would instrument loads.
import { startTracing } from '@collections/platform';

startTracing('promises');
