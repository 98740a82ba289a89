// Runs the generated frontend (api.js + app.js) in a node vm context with a
// minimal DOM, against a live backend: lists, creates, edits and deletes one
// record of the first resource through the UI's own event handlers.
// usage: node drive_ui.js <frontend dir> <api base url>
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [dir, baseUrl] = process.argv.slice(2);

class El {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.attrs = {};
    this.listeners = {};
    this.dataset = {};
    this.value = "";
    this.checked = false;
    this.className = "";
    this._text = "";
    this.parent = null;
  }
  set textContent(v) { this._text = String(v); this.children = []; }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(""); }
  setAttribute(k, v) {
    this.attrs[k] = v;
    if (k === "id") this.id = v;
    if (k === "name") this.name = v;
    if (k === "class") this.className = v;
  }
  append(...nodes) { for (const n of nodes) { n.parent = this; this.children.push(n); } }
  replaceChildren(...nodes) { this.children = []; this.append(...nodes); }
  replaceWith(n) { const i = this.parent.children.indexOf(this); this.parent.children[i] = n; n.parent = this.parent; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatch(type) { for (const fn of this.listeners[type] || []) fn({ preventDefault() {} }); }
  click() { this.dispatch("click"); }
  *walk() { for (const c of this.children) { yield c; yield* c.walk(); } }
  matches(sel) {
    if (sel.startsWith(".")) return this.className.split(" ").includes(sel.slice(1));
    if (sel.startsWith("#")) return this.id === sel.slice(1);
    return this.tagName === sel.toUpperCase();
  }
  querySelector(sel) { for (const n of this.walk()) if (n.matches(sel)) return n; return null; }
  querySelectorAll(sel) { return [...this.walk()].filter((n) => n.matches(sel)); }
  get elements() { return { namedItem: (name) => [...this.walk()].find((n) => n.name === name) || null }; }
  reset() { for (const n of this.walk()) { n.value = ""; n.checked = false; } this.dispatch("reset"); }
}

const api = fs.readFileSync(path.join(dir, "api.js"), "utf8");
const app = fs.readFileSync(path.join(dir, "app.js"), "utf8");
const resources = JSON.parse(/const RESOURCES = (\[[\s\S]*?\n  \]);/.exec(app)[1]);
const body = new El("body");
for (const r of resources) {
  const section = new El("section");
  section.setAttribute("id", r.key);
  const status = new El("p");
  status.setAttribute("class", "status");
  const table = new El("table");
  table.append(new El("tbody"));
  const slot = new El("div");
  slot.setAttribute("class", "form-slot");
  section.append(status, table, slot);
  body.append(section);
}
const document = {
  getElementById: (id) => body.querySelector("#" + id),
  querySelector: () => null, // no <meta>: the base URL comes from ?api=
  createElement: (tag) => new El(tag),
};
const ctx = { document, fetch, URL, URLSearchParams, console, setTimeout,
  location: { search: "?api=" + encodeURIComponent(baseUrl) } };
ctx.window = ctx;
vm.createContext(ctx);
vm.runInContext(api, ctx);
vm.runInContext(app, ctx);

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
const r = resources[0];
const section = body.querySelector("#" + r.key);
const rows = () => section.querySelector("tbody").children.filter((row) => row.className !== "empty");

(async () => {
  await settle();
  const before = rows().length;
  const form = section.querySelector("form");
  const sample = JSON.parse(process.argv[4] || "{}");
  for (const f of r.fields) {
    const input = form.elements.namedItem(f.name);
    if (f.name in sample) {
      if (f.input === "checkbox") input.checked = Boolean(sample[f.name]);
      else input.value = typeof sample[f.name] === "object" ? JSON.stringify(sample[f.name]) : String(sample[f.name]);
    }
  }
  form.dispatch("submit");
  await settle();
  const created = rows().length;
  const createdStatus = section.querySelector(".status").textContent;
  const buttons = rows()[rows().length - 1].querySelectorAll("button");
  const edit = buttons.find((b) => b.textContent === "Edit");
  let edited = null;
  if (edit) {
    edit.click();
    const first = r.fields.find((f) => f.input === "text" || f.input === "textarea");
    if (first) form.elements.namedItem(first.name).value = "Edited in the UI";
    form.dispatch("submit");
    await settle();
    edited = section.querySelector(".status").textContent;
  }
  const last = rows()[rows().length - 1];
  const shown = last.children.map((c) => c.textContent);
  last.querySelectorAll("button").find((b) => b.textContent === "Delete").click();
  await settle();
  console.log(JSON.stringify({ before, created, createdStatus, edited, shown, after: rows().length,
    deletedStatus: section.querySelector(".status").textContent }));
})().catch((err) => { console.error(err); process.exit(1); });
