// Which defined functions can recur: only their frames need counting for the call-depth limit.
// A chain of calls deeper than the module has functions repeats one, so it runs around a cycle
// of the call graph, and every function on a cycle is in a strongly connected component with
// another (or calls itself). Counting those bounds the depth; the others cost nothing.
//
// Edges: direct calls and tail calls to defined functions, and, for every function with an
// indirect call, an edge to a node standing for "any function a table may hold": those listed
// in element segments or named by ref.func (which a valid module must also declare there).

import { ByteReader } from "./byte-reader.ts";
import { FC_MEMORY_COPY, FC_MEMORY_FILL } from "./opcodes.ts";
import { walkExpression, type ExpressionVisitor } from "./instructions.ts";
import type { ModuleInfo } from "./module-info.ts";
import { SECTION } from "./sections.ts";
import { readRefType, readValType } from "./value-types.ts";

/** Collects what one expression calls and which functions it names without calling. */
class CallCollector implements ExpressionVisitor {
  callees: number[] = [];
  indirect = false;
  /** Whether any body fills or copies memory (the rewrite then adds its chunking helpers). */
  fills = false;
  copies = false;
  /** Whether any body writes a table or drops a segment (state a reset does not restore). */
  tableOrSegmentWrites = false;
  /** Set while walking function bodies: ref.func there also marks namedInCode. */
  namedInCode: Uint8Array | null = null;
  private calling = false;
  constructor(
    private readonly importedFuncs: number,
    private readonly addressTaken: Uint8Array,
  ) {}

  loopHeader(): void {}
  exit(): void {}

  bulk(_start: number, _end: number, sub: number): void {
    if (sub === FC_MEMORY_FILL) this.fills = true;
    else if (sub === FC_MEMORY_COPY) this.copies = true;
  }

  tableOrSegmentWrite(): void {
    this.tableOrSegmentWrites = true;
  }

  call(index: number): void {
    if (index < 0) this.indirect = true;
    else this.calling = true;
  }

  funcIndex(_start: number, _end: number, index: number): void {
    const defined = index - this.importedFuncs;
    if (this.calling) {
      this.calling = false;
      if (defined >= 0) this.callees.push(defined);
    } else if (defined >= 0 && defined < this.addressTaken.length) {
      this.addressTaken[defined] = 1;
      if (this.namedInCode) this.namedInCode[defined] = 1;
    }
  }
}

/** 1 for each defined function that may be re-entered while it runs, else 0. */
export function recursiveFunctions(info: ModuleInfo): Uint8Array {
  return codeFacts(info).recursive;
}

export interface CodeFacts {
  /** 1 for each defined function that may be re-entered while it runs, else 0. */
  readonly recursive: Uint8Array;
  /** Whether any body uses memory.fill / memory.copy. */
  readonly fills: boolean;
  readonly copies: boolean;
  /** 1 for each defined function named without being called: in element segments, globals or by ref.func. */
  readonly addressTaken: Uint8Array;
  /** 1 for each defined function named by ref.func in a function body (a subset of addressTaken). */
  readonly namedInCode: Uint8Array;
  /** Whether any body writes a table or drops a data or element segment. */
  readonly tableOrSegmentWrites: boolean;
}

/** What the rewrite needs to know of the code before it writes the sections that come first: one walk of every body. */
export function codeFacts(info: ModuleInfo): CodeFacts {
  const n = info.funcTypes.length;
  const addressTaken = new Uint8Array(n);
  const collector = new CallCollector(info.importedFuncs, addressTaken);
  markElements(info, collector, addressTaken);
  markGlobals(info, collector);
  const namedInCode = new Uint8Array(n);
  collector.namedInCode = namedInCode;

  // Node n is the table node; adjacency in flat arrays: node v's edges are
  // edges[edgeStart[v] .. edgeStart[v + 1]).
  const edgeStart = new Int32Array(n + 2);
  const edges: number[] = [];
  const code = info.section[SECTION.code];
  let bodies = 0;
  if (code) {
    const r = new ByteReader(info.bytes, code.contentStart, code.end);
    r.context = "code section";
    const count = r.u32();
    for (; bodies < count && bodies < n; bodies++) {
      const size = r.u32();
      const bodyEnd = r.pos + size;
      if (bodyEnd > code.end) r.malformed(`body ${bodies} runs past the end of the code section`);
      r.func = info.importedFuncs + bodies;
      r.end = bodyEnd;
      for (let groups = r.u32(), g = 0; g < groups; g++) {
        r.u32();
        readValType(r);
      }
      collector.callees = [];
      collector.indirect = false;
      walkExpression(r, collector);
      r.pos = bodyEnd;
      r.end = code.end;
      r.func = -1;
      edgeStart[bodies] = edges.length;
      for (const callee of collector.callees) if (callee < n) edges.push(callee);
      if (collector.indirect) edges.push(n);
    }
  }
  // Bodies the code section lacks (the rewrite rejects such a module) have no edges.
  for (let i = bodies; i <= n; i++) edgeStart[i] = edges.length;
  for (let f = 0; f < n; f++) if (addressTaken[f]) edges.push(f);
  edgeStart[n + 1] = edges.length;
  return {
    recursive: cyclic(n + 1, edgeStart, edges, n),
    fills: collector.fills,
    copies: collector.copies,
    addressTaken,
    namedInCode,
    tableOrSegmentWrites: collector.tableOrSegmentWrites,
  };
}

function markElements(info: ModuleInfo, collector: CallCollector, addressTaken: Uint8Array): void {
  const s = info.section[SECTION.element];
  if (!s) return;
  const r = new ByteReader(info.bytes, s.contentStart, s.end);
  for (let count = r.u32(), i = 0; i < count; i++) {
    r.context = `element segment ${i}`;
    const flagsAt = r.pos;
    const flags = r.u32();
    if (flags > 7) r.malformed(`unknown element segment kind ${flags}`, flagsAt);
    const active = (flags & 1) === 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExprs = (flags & 4) !== 0;
    if (active && explicitTable) r.u32();
    if (active) walkExpression(r, collector);
    if (!active || explicitTable) {
      if (usesExprs) readRefType(r, r.context);
      else r.u8();
    }
    for (let k = r.u32(), j = 0; j < k; j++) {
      if (usesExprs) walkExpression(r, collector);
      else {
        const defined = r.u32() - info.importedFuncs;
        if (defined >= 0 && defined < addressTaken.length) addressTaken[defined] = 1;
      }
    }
  }
}

function markGlobals(info: ModuleInfo, collector: CallCollector): void {
  const s = info.section[SECTION.global];
  if (!s) return;
  const r = new ByteReader(info.bytes, s.contentStart, s.end);
  for (let count = r.u32(), i = 0; i < count; i++) {
    r.context = `global ${i}`;
    readValType(r, r.context);
    r.u8();
    walkExpression(r, collector);
  }
}

/**
 * Tarjan's strongly connected components, iterative (a module may have 100,000 functions in a
 * chain). Marks nodes below `realNodes` that share a component with another node or have an
 * edge to themselves.
 */
function cyclic(nodes: number, edgeStart: Int32Array, edges: readonly number[], realNodes: number): Uint8Array {
  const out = new Uint8Array(realNodes);
  const index = new Int32Array(nodes).fill(-1);
  const low = new Int32Array(nodes);
  const onStack = new Uint8Array(nodes);
  const stack: number[] = [];
  const callStack: number[] = [];
  const nextEdge = new Int32Array(nodes);
  let counter = 0;
  for (let root = 0; root < nodes; root++) {
    if (index[root] !== -1) continue;
    callStack.push(root);
    index[root] = low[root] = counter++;
    nextEdge[root] = edgeStart[root];
    stack.push(root);
    onStack[root] = 1;
    while (callStack.length > 0) {
      const v = callStack[callStack.length - 1];
      const end = edgeStart[v + 1];
      if (nextEdge[v] < end) {
        const w = edges[nextEdge[v]++];
        if (w === v && v < realNodes) out[v] = 1;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          nextEdge[w] = edgeStart[w];
          stack.push(w);
          onStack[w] = 1;
          callStack.push(w);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      callStack.pop();
      if (callStack.length > 0) {
        const parent = callStack[callStack.length - 1];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] !== index[v]) continue;
      if (stack[stack.length - 1] === v) {
        stack.pop();
        onStack[v] = 0;
        continue;
      }
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        if (w < realNodes) out[w] = 1;
      } while (w !== v);
    }
  }
  return out;
}
