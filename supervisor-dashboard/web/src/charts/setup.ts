// Chart.js with only what the page draws registered (tree-shaken): floating horizontal bars and lines on
// linear/category scales, with tooltips and legends. Animations are off: charts update in place, all day.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

/** colours from the page's CSS custom properties, so charts follow the light/dark theme */
export function theme(): { text: string; grid: string; font: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: v('--muted', '#667'), grid: v('--grid', 'rgba(128,128,128,0.2)'), font: v('--font', 'system-ui, sans-serif') };
}

export function applyDefaults(): void {
  const t = theme();
  Chart.defaults.color = t.text;
  Chart.defaults.borderColor = t.grid;
  Chart.defaults.font.family = t.font;
  Chart.defaults.font.size = 11;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  Chart.defaults.plugins.legend.labels.boxWidth = 10;
  Chart.defaults.plugins.legend.labels.boxHeight = 10;
}

export { Chart };
