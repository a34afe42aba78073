// Hand-assembles small binaries for cases the text format cannot express (GC opcodes,
// broken encodings). Byte arrays in, module bytes out.

export function leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function str(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...leb(bytes.length), ...bytes];
}

export function vec(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

export function section(id: number, content: number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function moduleBytes(...sections: number[][]): Uint8Array {
  return new Uint8Array([...HEADER, ...sections.flat()]);
}

/** A function body: no locals unless given, then `code`, then the closing `end`. */
export function body(code: number[], locals: number[][] = []): number[] {
  const content = [...vec(locals), ...code, 0x0b];
  return [...leb(content.length), ...content];
}

/**
 * A module with type 0 = () -> (), one function exported as "handle" whose body is `code`,
 * a memory, a funcref table, a global, a passive data and element segment, so that any
 * index immediate 0 refers to something.
 */
export function oneFunction(code: number[], locals: number[][] = [[1, 0x7f]]): Uint8Array {
  return moduleBytes(
    section(1, vec([[0x60, 0x00, 0x00]])),
    section(3, vec([[0x00]])),
    section(4, vec([[0x70, 0x00, 0x01]])),
    section(5, vec([[0x00, 0x01]])),
    section(6, vec([[0x7f, 0x01, 0x41, 0x00, 0x0b]])),
    section(7, vec([[...str("handle"), 0x00, 0x00]])),
    section(9, vec([[0x01, 0x00, ...vec([[0x00]])]])),
    section(12, leb(1)),
    section(10, vec([body(code, locals)])),
    section(11, vec([[0x01, ...vec([[0x2a]])]])),
  );
}
