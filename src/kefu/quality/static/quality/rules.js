/* The rule editor's condition builder: edits the condition tree (all / any / not over typed leaves,
   kefu.quality.engine's JSON) as rows of fields, and keeps the JSON textarea beside it in step.
   The textarea is what the form posts; editing it by hand redraws the builder. Labels come from the
   page (a JSON data block), so this file holds no text of its own. No framework. */
(function () {
  "use strict";

  var root = document.querySelector("[data-rule-builder]");
  var area = document.querySelector("textarea[data-rule-json]");
  if (!root || !area) return;
  var specNode = document.getElementById(root.getAttribute("data-spec"));
  var spec = specNode ? JSON.parse(specNode.textContent) : null;
  if (!spec) return;
  var L = spec.labels;
  var tree;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(c);
    });
    return node;
  }

  function labelled(text, input) {
    return el("label", {}, [document.createTextNode(text), input]);
  }

  function select(options, value, onChange) {
    var s = el("select");
    Object.keys(options).forEach(function (k) {
      var o = el("option", { value: k, text: options[k] });
      if (k === value) o.selected = true;
      s.appendChild(o);
    });
    s.addEventListener("change", function () {
      onChange(s.value);
    });
    return s;
  }

  function splitWords(text) {
    return text
      .split(/[,，、|]/)
      .map(function (w) {
        return w.trim();
      })
      .filter(Boolean);
  }

  function input(value, onChange, cls) {
    var i = el("input", { type: "text", value: value == null ? "" : String(value) });
    if (cls) i.className = cls;
    i.addEventListener("input", function () {
      onChange(i.value);
    });
    return i;
  }

  function isGroup(node) {
    return node && typeof node === "object" && ("all" in node || "any" in node || "not" in node);
  }

  function newLeaf() {
    return { type: "keywords", role: "agent", range: { kind: "all" }, words: [], mode: "any" };
  }

  function sync() {
    area.value = JSON.stringify(tree, null, 2);
  }

  function changed() {
    sync();
  }

  function redraw() {
    root.textContent = "";
    root.appendChild(drawNode(tree, function (replacement) {
      tree = replacement;
      changed();
      redraw();
    }, null));
  }

  // `replace(node)` swaps this node in its parent; `remove` (or null at the root) takes it out.
  function drawNode(node, replace, remove) {
    return isGroup(node) ? drawGroup(node, replace, remove) : drawLeaf(node, replace, remove);
  }

  function drawGroup(node, replace, remove) {
    var kind = "all" in node ? "all" : "any" in node ? "any" : "not";
    var children = kind === "not" ? [node.not] : node[kind];
    var box = el("div", { class: "rb-group" });
    var head = el("div", { class: "rb-head" });
    head.appendChild(
      select(spec.groups, kind, function (next) {
        var kids = children.filter(Boolean);
        var made = {};
        if (next === "not") made.not = kids[0] || newLeaf();
        else made[next] = kids.length ? kids : [newLeaf()];
        replace(made);
      })
    );
    if (kind !== "not" || !node.not) {
      head.appendChild(
        el("button", { type: "button", class: "btn btn-sm", text: L.add_leaf })
      );
      head.lastChild.addEventListener("click", function () {
        if (kind === "not") node.not = newLeaf();
        else node[kind].push(newLeaf());
        changed();
        redraw();
      });
    }
    if (kind !== "not") {
      var addGroup = el("button", { type: "button", class: "btn btn-sm", text: L.add_group });
      addGroup.addEventListener("click", function () {
        node[kind].push({ any: [newLeaf()] });
        changed();
        redraw();
      });
      head.appendChild(addGroup);
    }
    if (remove) head.appendChild(removeButton(remove));
    box.appendChild(head);
    children.forEach(function (child, i) {
      if (!child) return;
      box.appendChild(
        drawNode(
          child,
          function (replacement) {
            if (kind === "not") node.not = replacement;
            else node[kind][i] = replacement;
            changed();
            redraw();
          },
          function () {
            if (kind === "not") node.not = null;
            else node[kind].splice(i, 1);
            changed();
            redraw();
          }
        )
      );
    });
    return box;
  }

  function removeButton(remove) {
    var b = el("button", { type: "button", class: "btn btn-sm btn-danger", text: L.remove });
    b.addEventListener("click", remove);
    return b;
  }

  function drawLeaf(leaf, replace, remove) {
    var row = el("div", { class: "rb-leaf" });
    var types = {};
    Object.keys(spec.types).forEach(function (k) {
      types[k] = spec.types[k].label;
    });
    if (!spec.types[leaf.type]) types[leaf.type] = leaf.type;
    row.appendChild(
      labelled(
        L.type,
        select(types, leaf.type, function (next) {
          var made = { type: next, role: leaf.role || "agent", range: leaf.range || { kind: "all" } };
          replace(made);
        })
      )
    );
    row.appendChild(
      labelled(
        L.role,
        select(spec.roles, leaf.role || "agent", function (next) {
          leaf.role = next;
          changed();
        })
      )
    );
    var range = leaf.range || { kind: "all" };
    row.appendChild(
      labelled(
        L.range,
        select(spec.ranges, range.kind, function (next) {
          leaf.range = next === "all" ? { kind: "all" } : next === "between" ? { kind: "between", from: [], to: [] } : { kind: next, n: 2 };
          changed();
          redraw();
        })
      )
    );
    if (range.kind === "first" || range.kind === "last") {
      row.appendChild(
        labelled(
          L.n,
          input(range.n, function (v) {
            range.n = parseInt(v, 10) || v;
            leaf.range = range;
            changed();
          })
        )
      );
    } else if (range.kind === "between") {
      ["from", "to"].forEach(function (end) {
        row.appendChild(
          labelled(
            L[end],
            input((range[end] || []).join(", "), function (v) {
              range[end] = splitWords(v);
              leaf.range = range;
              changed();
            })
          )
        );
      });
    }
    var type = spec.types[leaf.type];
    (type ? type.params : []).forEach(function (p) {
      row.appendChild(labelled(p.label, paramInput(leaf, p)));
    });
    if (remove) {
      row.appendChild(removeButton(remove));
    } else {
      // A single condition at the top: let it grow into a group.
      var wrap = el("button", { type: "button", class: "btn btn-sm", text: L.add_group });
      wrap.addEventListener("click", function () {
        replace({ all: [leaf, newLeaf()] });
      });
      row.appendChild(wrap);
    }
    return row;
  }

  function paramInput(leaf, p) {
    var value = leaf[p.name];
    function set(v) {
      if (v === "" || v === null || (Array.isArray(v) && !v.length && p.name !== "words")) delete leaf[p.name];
      else leaf[p.name] = v;
      changed();
    }
    if (p.kind === "choice") {
      var options = { "": "—" };
      p.choices.forEach(function (c) {
        options[c] = c;
      });
      return select(options, value == null ? "" : value, set);
    }
    if (p.kind === "lines") {
      var t = el("textarea", { rows: "2" });
      t.value = (value || []).join("\n");
      t.addEventListener("input", function () {
        set(
          t.value
            .split("\n")
            .map(function (s) {
              return s.trim();
            })
            .filter(Boolean)
        );
      });
      return t;
    }
    if (p.kind === "words") {
      return input((value || []).join(", "), function (v) {
        set(splitWords(v));
      }, "rb-wide");
    }
    if (p.kind === "number") {
      return input(value, function (v) {
        var n = Number(v);
        set(v.trim() === "" ? "" : isNaN(n) ? v : n);
      });
    }
    return input(value, set, "rb-wide");
  }

  function load() {
    try {
      var parsed = JSON.parse(area.value);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        tree = parsed;
        return true;
      }
    } catch (e) {
      /* hand-edited and not valid yet: keep the last good tree */
    }
    return false;
  }

  var warning = el("p", { class: "rb-warning", role: "alert" });
  area.addEventListener("change", function () {
    if (load()) {
      warning.textContent = "";
      redraw();
    } else {
      warning.textContent = L.invalid_json;
    }
  });
  area.parentNode.insertBefore(warning, area.nextSibling);
  if (!load()) {
    tree = { all: [newLeaf()] };
    warning.textContent = L.invalid_json;
  }
  redraw();
})();
