// Writes a campaign-day CSV: each campaign has one row per day for DAYS days, so a
// campaign id repeats DAYS times (the shape of a real daily export, where the
// generator's campaigns.csv has one row per campaign). Tenants are skewed (tenant k has
// about 1/k of the first's campaigns). Deterministic: the same arguments give the same
// bytes.
//
//   node bench/campaign-days.mjs OUT.csv [ROWS=10000000] [TENANTS=20] [DAYS=30]
//
// 10,000,000 rows make about 1.1 GB (BENCHMARKS.md, "10M rows").
import { createWriteStream } from 'node:fs';

const [out, rowsArg, tenantsArg, daysArg] = process.argv.slice(2);
if (!out) {
  console.error('usage: node bench/campaign-days.mjs OUT.csv [ROWS] [TENANTS] [DAYS]');
  process.exit(2);
}
const ROWS = Number(rowsArg || 10_000_000);
const TENANTS = Number(tenantsArg || 20);
const DAYS = Number(daysArg || 30);
const CHANNELS = ['Search', 'Social Media', 'Email', 'Display', 'Video'];
const REGIONS = ['North', 'South', 'East', 'West'];
const PRODUCTS = ['Product A', 'Product B', 'Product C'];

// xorshift32: deterministic, fast.
let state = 0x9e3779b9;
const next = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state;
};
const below = (n) => next() % n;

const weights = Array.from({ length: TENANTS }, (_, k) => 1 / (k + 1));
const total = weights.reduce((a, b) => a + b, 0);
const campaigns = Math.ceil(ROWS / DAYS);
const perTenant = weights.map((w) => Math.max(1, Math.round((w / total) * campaigns)));
const start = Date.UTC(2024, 9, 1);
const days = Array.from({ length: DAYS }, (_, d) => new Date(start + d * 86_400_000).toISOString().slice(0, 10));

const file = createWriteStream(out);
const write = (text) => new Promise((resolve) => { if (file.write(text)) resolve(); else file.once('drain', resolve); });
await write('tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n');
let written = 0;
let chunk = '';
outer:
for (let t = 0; t < TENANTS; t++) {
  const tenant = `tenant_${String(t + 1).padStart(3, '0')}`;
  for (let c = 0; c < perTenant[t]; c++) {
    const id = `camp_${tenant}_${String(c).padStart(7, '0')}`;
    const name = `Campaign ${c + 1} - ${CHANNELS[below(CHANNELS.length)]}`;
    const region = REGIONS[below(REGIONS.length)];
    const product = PRODUCTS[below(PRODUCTS.length)];
    for (const day of days) {
      if (written === ROWS) break outer;
      const impressions = 1000 + below(50_000);
      const clicks = below(Math.floor(impressions / 5));
      const conversions = below(clicks + 1) % 600;
      const spend = (100 + below(1_500_000)) / 100;
      const revenue = below(4_000_000) / 100;
      chunk += `${tenant},${id},${name},${day},${impressions},${clicks},${conversions},${spend.toFixed(2)},${revenue.toFixed(2)},${region},${product}\n`;
      written++;
      if (chunk.length > 1 << 20) { await write(chunk); chunk = ''; }
    }
  }
}
await write(chunk);
file.end();
await new Promise((resolve) => file.on('finish', resolve));
console.error(`wrote ${out}: ${written} rows, ${TENANTS} tenants, ${DAYS} days a campaign`);
