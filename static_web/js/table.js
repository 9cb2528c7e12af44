// Accessible data tables; sortable ones sort in place when a column header button is pressed.
import { el } from "./dom.js";

// columns: [{ key, label, format?, numeric? }]; rows: plain objects.
// `tall` tables scroll inside a fixed height, keeping their header in view.
export function dataTable({ caption, columns, rows, sortable = false, sortKey = null, descending = true, id, tall = false }) {
  const table = el("table", { class: "data-table", id });
  if (caption) table.append(el("caption", { text: caption }));
  const headRow = el("tr");
  const body = el("tbody");
  let state = { key: sortKey, descending };

  const renderBody = () => {
    const ordered = [...rows];
    if (state.key) {
      const column = columns.find((c) => c.key === state.key);
      const sign = state.descending ? -1 : 1;
      ordered.sort((a, b) => {
        const x = a[state.key];
        const y = b[state.key];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return column.numeric ? sign * (Number(x) - Number(y)) : sign * String(x).localeCompare(String(y));
      });
    }
    body.replaceChildren(
      ...ordered.map((row) =>
        el(
          "tr",
          {},
          columns.map((c) =>
            el("td", { class: c.numeric ? "num" : undefined, text: c.format ? c.format(row[c.key], row) : row[c.key] ?? "—" }),
          ),
        ),
      ),
    );
    for (const th of headRow.children) {
      const key = th.dataset.key;
      th.setAttribute("aria-sort", key === state.key ? (state.descending ? "descending" : "ascending") : "none");
    }
  };

  for (const column of columns) {
    const th = el("th", { scope: "col", class: column.numeric ? "num" : undefined, "data-key": column.key });
    if (sortable) {
      th.append(
        el("button", {
          type: "button",
          class: "sort",
          text: column.label,
          onclick: () => {
            state = { key: column.key, descending: state.key === column.key ? !state.descending : column.numeric };
            renderBody();
          },
        }),
      );
    } else {
      th.textContent = column.label;
    }
    headRow.append(th);
  }
  table.append(el("thead", {}, headRow), body);
  renderBody();
  return el("div", { class: tall ? "table-scroll tall" : "table-scroll", tabindex: "0", role: "region", "aria-label": caption ?? "Table" }, table);
}
