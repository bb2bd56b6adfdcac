// A usage chart, with Chart.js fetched the first time one is shown.
import { lazy, Suspense } from 'react';
import type { ChartProps } from './charts';

const UsageBars = lazy(() => import('./charts'));

export function UsageChart(props: ChartProps & { tall?: boolean }) {
  const { tall, ...chart } = props;
  return (
    <div className={'chart' + (tall ? ' tall' : '')} data-testid="usage-chart">
      <Suspense fallback={<p className="muted">Loading chart…</p>}>
        <UsageBars {...chart} />
      </Suspense>
    </div>
  );
}
