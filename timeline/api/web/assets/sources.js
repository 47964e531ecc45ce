// A source as people cite it: the verbatim quote, who published it, when, and where.
import { describeFuzzy } from "./dates.js";
import { externalLink, h } from "./dom.js";

function sourceItem(source) {
  return h(
    "li",
    { class: "source" },
    h("blockquote", {}, source.quote),
    h(
      "p",
      { class: "cite" },
      "— ",
      source.publisher,
      source.title && [", ", h("cite", {}, source.title)],
      `, published ${describeFuzzy(source.publishedOn)}`,
      source.url && [". ", externalLink(source.url, "Read the source")],
      !source.url && source.document && [". Local copy: ", h("code", {}, source.document)],
    ),
  );
}

export const sourceList = (sources) => h("ol", { class: "source-list" }, sources.map(sourceItem));
