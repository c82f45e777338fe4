// A tiny static server for www/ on 127.0.0.1 (random port), with the MIME types the
// page needs (application/wasm for streaming compilation) and a fake customers API
// for "Load from URL".
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WWW = join(ROOT, 'www');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml',
};

export const CUSTOMERS = {
  data: [
    { tenant_id: 'tenant_001', customer_id: 'cust_1', customer_name: 'Ada', region: 'North', product_preference: 'Product A', total_spent: '120.50', total_orders: 3 },
    { tenant_id: 'tenant_002', customer_id: 'cust_2', customer_name: 'Bo', region: 'South', product_preference: 'Product B', total_spent: 80, total_orders: 2 },
  ],
  page: 1,
  total: 2,
};

export function serve() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/api/customers') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(CUSTOMERS));
      return;
    }
    const file = normalize(join(WWW, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(WWW)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
