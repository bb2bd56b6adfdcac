// Chart.js, loaded on demand (UsageChart.tsx imports this module lazily):
// the users list and the chat never download it. Canvas only, CSP-safe (no
// injected styles). The chart is a picture of the table beside it, which
// carries the numbers for screen readers.
import {
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartOptions,
} from 'chart.js';
import { Bar } from 'react-chartjs-2';
import type { Series } from './chartData';

Chart.register(BarElement, CategoryScale, LinearScale, Legend, Tooltip);

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export interface ChartProps {
  series: Series;
  // Bars across (users, models: long names) rather than up (days).
  horizontal?: boolean;
  label: string;
}

export default function UsageBars({ series, horizontal = false, label }: ChartProps) {
  const fg = cssVar('--muted', '#586069');
  const grid = cssVar('--border', '#d0d5db');
  const options: ChartOptions<'bar'> = {
    indexAxis: horizontal ? 'y' : 'x',
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    color: fg,
    plugins: { legend: { position: 'bottom', labels: { color: fg } } },
    scales: {
      x: { stacked: true, ticks: { color: fg }, grid: { color: grid } },
      y: { stacked: true, ticks: { color: fg }, grid: { color: grid }, beginAtZero: true },
    },
  };
  return (
    <Bar
      role="img"
      aria-label={label}
      options={options}
      data={{
        labels: series.labels,
        datasets: [
          {
            label: 'Prompt tokens',
            data: series.prompt,
            backgroundColor: cssVar('--chart-1', '#0b5cad'),
          },
          {
            label: 'Completion tokens',
            data: series.completion,
            backgroundColor: cssVar('--chart-2', '#d97706'),
          },
        ],
      }}
    />
  );
}
