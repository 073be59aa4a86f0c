import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Latency percentiles over time on a canvas (uPlot): fast with thousands of points. */
export function LatencyChart({ times, series, label }: { times: number[]; series: { name: string; values: (number | null)[]; color: string }[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = { stroke: dark ? '#c9d1d9' : '#333', grid: { stroke: dark ? '#30363d' : '#e5e5e5' }, ticks: { stroke: dark ? '#30363d' : '#e5e5e5' } };
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height: 260,
      series: [{}, ...series.map((s) => ({ label: s.name, stroke: s.color, width: 2, spanGaps: true, points: { show: true, size: 4 }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`) }))],
      axes: [axis, { ...axis, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t} ms`), size: 60 }],
      scales: { x: { time: true } },
      legend: { live: true },
    };
    const plot = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: 260 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series]);
  return <div className="chart" ref={box} role="img" aria-label={label} />;
}
