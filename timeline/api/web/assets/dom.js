// Build DOM nodes without innerHTML: whatever the record says goes in as text.
const SVG_NS = "http://www.w3.org/2000/svg";

/** An HTML element: h("a", { href, class: "x", onclick }, "text", child, [more]). */
export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element, with the same arguments as h(). */
export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

/** Replace an element's children; null, undefined and false children are left out, so
 * `condition && node` reads naturally. */
export function fill(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  return append(element, children);
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A link that leaves the page, only for http(s) addresses; otherwise the plain text. */
export function externalLink(url, text) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    return document.createTextNode(text);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return document.createTextNode(text);
  }
  return h("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, text);
}

/** "POLICY_SCRAPPED" -> "Policy scrapped", "channel-crossings" -> "Channel crossings". */
export function humanise(code) {
  const words = code.replaceAll(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
