// Chromium's processes as Linux's /proc shows them, for measurements of memory: the
// renderer processes of one browser, and a process's resident memory. Chromium resets
// its processes' VmHWM (it writes to /proc/self/clear_refs), so a peak must be sampled.
import { readdirSync, readFileSync } from 'node:fs';

// Renderer processes descending from a browser process that `isBrowser(pid, cmdline)`
// picks (its cmdline has NULs between arguments).
export function rendererPids(isBrowser) {
  const parent = new Map();
  const cmd = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8'));
    } catch { /* exited */ }
  }
  const browsers = new Set([...cmd].filter(([pid, c]) => isBrowser(pid, c)).map(([pid]) => pid));
  const ours = (pid) => { for (let p = pid; p > 1; p = parent.get(p)) if (browsers.has(p)) return true; return false; };
  return [...cmd]
    .filter(([pid, c]) => c.includes('--type=renderer') && !c.includes('--top-chrome-webui') && !c.includes('--extension-process') && ours(pid))
    .map(([pid]) => pid);
}

// A process's resident memory in bytes (NaN once it has exited).
export function rss(pid) {
  try {
    return Number((/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) || [0, 0])[1]) * 1024;
  } catch { return NaN; }
}
