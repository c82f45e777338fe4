// The SQL tab's editor: CodeMirror 6 with SQLite's SQL (highlighting, completion of
// keywords and of the warehouse's table and column names), Ctrl/Cmd+Enter to run, and
// an error marked at its line and column. CodeMirror is bundled at build time into
// pkg-editor/codemirror.js (`make editor`) and imported here only when the SQL tab first
// opens, so the page's first download does not grow by it.
//
// The editor takes the place of the plain <textarea> the page starts with (which works
// on its own while the editor loads, or if it cannot): it takes its text, its id and
// its description, so the label, the tests and the keyboard find it where they did.

const BUNDLE = new URL('./pkg-editor/codemirror.js', import.meta.url);
let loading = null;
const load = () => (loading ||= import(BUNDLE.href).catch((error) => { loading = null; throw error; }));

// Where line `line`, column `column` (both from 1) is in `text`.
export function offsetOf(text, line, column) {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

// `{table: [column, ...]}` from the engine's schema listing, for completion.
const completionSchema = (schema) => Object.fromEntries((schema?.tables || []).map((t) => [t.name, t.columns.map((c) => c.name)]));

// The page's Content-Security-Policy applies style sheets from the page's own files only,
// so the <style> element CodeMirror writes its theme into (style-mod) is not applied.
// Its text goes into a constructed style sheet instead (CSSOM, which the policy allows),
// kept in step as CodeMirror adds rules (the completion list, the error marks).
function adoptEditorStyles() {
  const tag = [...document.head.querySelectorAll('style')].find((s) => s.textContent.includes('.cm-'));
  if (!tag || tag.dataset.adopted) return;
  tag.dataset.adopted = 'true';
  const sheet = new CSSStyleSheet();
  const sync = () => sheet.replaceSync(tag.textContent);
  sync();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  new MutationObserver(sync).observe(tag, { childList: true, characterData: true, subtree: true });
}

// Builds the editor in place of `textarea`. `onRun()` is called on Ctrl/Cmd+Enter,
// `onChange()` (optional) after each edit of the text.
// Returns {text(), setText(t), focus(), closePopups(), caret(), markError({line, column, message}),
// clearError(), setSchema(schema), view}.
export async function createSqlEditor({ textarea, labelId, onRun, onChange, schema }) {
  const cm = await load();
  const {
    EditorState, EditorView, Compartment, Prec, keymap, lineNumbers, drawSelection, highlightActiveLine,
    defaultKeymap, history, historyKeymap, syntaxHighlighting, HighlightStyle, bracketMatching, indentOnInput,
    tags, autocompletion, completionKeymap, closeCompletion, setDiagnostics, sql, SQLite,
  } = cm;
  // Colours with at least 4.5:1 contrast on the page's white (WCAG AA).
  const style = HighlightStyle.define([
    { tag: tags.keyword, color: '#7a1fa2', fontWeight: '600' },
    { tag: [tags.string, tags.special(tags.string)], color: '#a31515' },
    { tag: [tags.number, tags.bool, tags.null], color: '#116329' },
    { tag: [tags.lineComment, tags.blockComment], color: '#5c6370', fontStyle: 'italic' },
    { tag: [tags.operator, tags.punctuation], color: '#3b3b3b' },
    { tag: tags.typeName, color: '#0b5cad' },
  ]);
  const language = new Compartment();
  // Unqualified column names complete from the fact table (the one most queries read);
  // other tables' columns after `table.` or an alias.
  const languageOf = (s) => sql({ dialect: SQLite, schema: completionSchema(s), defaultTable: 'fact_campaigns', upperCaseKeywords: true });
  const run = (view) => { closeCompletion(view); onRun(); return true; };
  const id = textarea.id;
  const describedBy = textarea.getAttribute('aria-describedby');
  const view = new EditorView({
    parent: textarea.parentNode,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run }])),
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), indentOnInput(), bracketMatching(),
        syntaxHighlighting(style), language.of(languageOf(schema)),
        autocompletion({ activateOnTyping: true }),
        keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap]),
        EditorView.lineWrapping,
        EditorView.updateListener.of((update) => { if (update.docChanged && onChange) onChange(); }),
        EditorView.contentAttributes.of({
          id, 'aria-labelledby': labelId, 'aria-multiline': 'true', role: 'textbox',
          ...(describedBy ? { 'aria-describedby': describedBy } : {}),
          spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off',
        }),
      ],
    }),
  });
  textarea.parentNode.insertBefore(view.dom, textarea);
  adoptEditorStyles();
  // The textarea stays in the document, hidden and without its id, so nothing finds two.
  textarea.removeAttribute('id');
  textarea.hidden = true;
  view.dom.classList.add('sql-editor');

  const text = () => view.state.doc.toString();
  const clearError = () => view.dispatch(setDiagnostics(view.state, []));
  return {
    view,
    text,
    setText(t) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t }, selection: { anchor: t.length } });
      clearError();
    },
    focus: () => view.focus(),
    // The completion list closed (a run started from Run, not from the keyboard).
    closePopups: () => closeCompletion(view),
    caret: () => view.state.selection.main.head,
    // The error's position underlined (its message on hover and to the lint panel) and
    // the caret put there; `focus` moves the keyboard focus too.
    markError({ line, column, message }, focus = false) {
      const doc = text();
      const from = offsetOf(doc, line, column);
      const to = Math.min(doc.length, Math.max(from + 1, doc.slice(from).search(/[\s,()]|$/) + from));
      view.dispatch(setDiagnostics(view.state, [{ from, to, severity: 'error', message }]));
      view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
      if (focus) view.focus();
    },
    clearError,
    setSchema: (s) => view.dispatch({ effects: language.reconfigure(languageOf(s)) }),
  };
}
