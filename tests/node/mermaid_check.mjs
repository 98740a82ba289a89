// Parse Mermaid diagrams with the official parser and print what it understood.
//
// stdin: a JSON array of diagram texts. stdout: a JSON array, one entry per
// diagram: {ok: true, type, vertices: [[id, label]], edges: [[start, end, stroke]],
// subgraphs: [[id, title, [node ids]]]} or {ok: false, error}.
// mermaid's flowchart database sanitises labels with DOMPurify, which needs a
// DOM: jsdom provides one. Labels come back with mermaid's #entity; codes decoded.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

const decode = (text) => {
  // mermaid encodes "#35;" as "ﬂ°°35¶ß" and "#quot;" as "ﬂ°quot¶ß" until it renders.
  const el = dom.window.document.createElement('textarea');
  return String(text)
    .replace(/ﬂ°°(\d+)¶ß/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/ﬂ°(\w+)¶ß/g, (_, name) => { el.innerHTML = `&${name};`; return el.value; });
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const text of JSON.parse(input)) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    out.push({
      ok: true,
      type: diagram.type,
      vertices: [...db.getVertices().entries()].map(([id, v]) => [id, decode(v.text)]),
      edges: db.getEdges().map((e) => [e.start, e.end, e.stroke]),
      subgraphs: db.getSubGraphs().map((s) => [s.id, decode(s.title), s.nodes]),
    });
  } catch (err) {
    out.push({ ok: false, error: String((err && err.message) || err) });
  }
}
process.stdout.write(JSON.stringify(out));
