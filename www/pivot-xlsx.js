// The pivot's XLSX export (issue 13), on the page's thread: the XLSX module
// (www/pkg-xlsx/, the binding crate crates/web-xlsx: src/pivot_xlsx.rs over
// rust_xlsxwriter) is fetched on the first "Export pivot XLSX" click, never with the
// page, so the writer and its deflate stay out of the first download.
//
// It takes the pivot as the engine gave it to the page (the shown table's data), so the
// workbook holds exactly what is on screen: merged column headers, subtotals and totals
// bold, number formats by type, frozen headers.

let module = null;
async function xlsxModule() {
  if (!module) {
    const loaded = await import('./pkg-xlsx/bi_platform_xlsx.js');
    await loaded.default();
    module = loaded;
  }
  return module;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The pivot `result` (the engine's `pivot` answer) as an XLSX file's bytes. */
export async function pivotXlsx(result) {
  const { pivotXlsx: write } = await xlsxModule();
  return write(JSON.stringify(result));
}
