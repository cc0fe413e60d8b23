import type { MetricSink } from '../../shared/support/metrics.js';

/** A metric sink that keeps every data point, for asserting what the dashboard would draw. */
export const captureMetrics = () => {
  const points: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  const sink: MetricSink = { put: (name, _unit, value, dimensions) => void points.push({ name, value, dimensions }) };
  return { points, sink };
};
