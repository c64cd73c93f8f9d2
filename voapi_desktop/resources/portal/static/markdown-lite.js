/* A small Markdown renderer for model answers in the playground. Written for this project (MIT).
   Safe by construction: every piece of text is HTML-escaped before any markup is added, and the
   only markup added is a fixed set of tags; links keep http(s) targets only. Covers what chat
   answers use: fenced code, headings, lists, quotes, paragraphs, `code`, **bold**, *italic*,
   ~~strike~~ and [links](https://...). */
(function () {
  "use strict";

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function emphasis(escaped) {
    return escaped
      .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
        '<a href="$2" target="_blank" rel="noopener noreferrer nofollow">$1</a>')
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?!\w)/g, "$1<em>$2</em>")
      .replace(/~~([^~]+)~~/g, "<del>$1</del>");
  }

  // Inline markup of one line: code spans are kept apart so nothing inside them is formatted.
  function inline(text) {
    return text.split(/(`[^`]+`)/).map(function (part) {
      if (part.length > 2 && part[0] === "`" && part[part.length - 1] === "`") {
        return "<code>" + escape(part.slice(1, -1)) + "</code>";
      }
      return emphasis(escape(part));
    }).join("");
  }

  const FENCE = /^\s*(```|~~~)\s*([\w+#.-]*)\s*$/;
  const HEADING = /^(#{1,6})\s+(.*)$/;
  const BULLET = /^\s*[-*+]\s+(.*)$/;
  const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
  const QUOTE = /^\s*>\s?(.*)$/;

  function list(lines, i, pattern, tag) {
    const items = [];
    while (i < lines.length && pattern.test(lines[i])) {
      items.push("<li>" + inline(lines[i].match(pattern)[1]) + "</li>");
      i += 1;
    }
    return [i, "<" + tag + ">" + items.join("") + "</" + tag + ">"];
  }

  function code(lines, i) {
    const fence = lines[i].match(FENCE);
    const body = [];
    i += 1;
    while (i < lines.length && !(FENCE.test(lines[i]) && lines[i].trim().startsWith(fence[1]))) {
      body.push(lines[i]);
      i += 1;
    }
    const language = fence[2] ? ' data-language="' + escape(fence[2]) + '"' : "";
    return [i + 1, "<pre" + language + "><code>" + escape(body.join("\n")) + "</code></pre>"];
  }

  function paragraph(lines, i) {
    const body = [];
    while (i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !HEADING.test(lines[i])
           && !BULLET.test(lines[i]) && !NUMBERED.test(lines[i]) && !QUOTE.test(lines[i])) {
      body.push(inline(lines[i]));
      i += 1;
    }
    return [i, "<p>" + body.join("<br>") + "</p>"];
  }

  function block(lines, i) {
    const line = lines[i];
    if (FENCE.test(line)) { return code(lines, i); }
    const heading = line.match(HEADING);
    if (heading) { return [i + 1, "<h" + heading[1].length + ">" + inline(heading[2]) + "</h" + heading[1].length + ">"]; }
    if (BULLET.test(line)) { return list(lines, i, BULLET, "ul"); }
    if (NUMBERED.test(line)) { return list(lines, i, NUMBERED, "ol"); }
    if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) { quoted.push(lines[i].match(QUOTE)[1]); i += 1; }
      return [i, "<blockquote>" + render(quoted.join("\n")) + "</blockquote>"];
    }
    return paragraph(lines, i);
  }

  function render(text) {
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    const out = [];
    let i = 0;
    while (i < lines.length) {
      if (!lines[i].trim()) { i += 1; continue; }
      const [next, html] = block(lines, i);
      out.push(html);
      i = next;
    }
    return out.join("\n");
  }

  window.VoapiMarkdown = {render: render, escape: escape};
})();
