// The page's two DOM helpers, shared by app.js and pivot.js: an element by id, and an
// element built from props (`class`, `text` as textContent, `on…` listeners, other
// attributes) and children. Values are set as text or attributes, never as HTML.
export const $ = (id) => document.getElementById(id);
export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
};
