// The parts of CodeMirror 6 the SQL tab uses, bundled by esbuild into one ES module
// (www/pkg-editor/codemirror.js, `make editor`). www/sql-editor.js builds the editor
// from them; nothing else of the page imports this, so the page's first download does
// not carry it.
export { EditorState, Compartment, Prec } from '@codemirror/state';
export {
  EditorView, keymap, lineNumbers, drawSelection, highlightActiveLine, placeholder,
} from '@codemirror/view';
export { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
export {
  syntaxHighlighting, HighlightStyle, bracketMatching, indentOnInput,
} from '@codemirror/language';
export { tags } from '@lezer/highlight';
export { autocompletion, completionKeymap, closeCompletion } from '@codemirror/autocomplete';
export { setDiagnostics, lintKeymap } from '@codemirror/lint';
export { sql, SQLite } from '@codemirror/lang-sql';
