// Small DOM builders: every text goes through textContent, never innerHTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A titled card; `body` nodes go inside. `id` names the card for tests and links.
export function card(title, { id, wide = false, actions = [] } = {}, ...body) {
  const headingId = id ? `${id}-title` : undefined;
  return el(
    "section",
    { class: wide ? "card card-wide" : "card", id, "aria-labelledby": headingId },
    el("header", { class: "card-head" }, el("h3", { id: headingId, text: title }), ...actions),
    ...body,
  );
}

export function emptyNote(text) {
  return el("p", { class: "empty", text });
}
