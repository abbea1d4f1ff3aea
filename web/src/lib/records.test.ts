import { describe, expect, it } from "vitest";
import { csvRecordCounter } from "./records";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("csvRecordCounter", () => {
  it("counts a quoted cell's line breaks as part of its record", () => {
    const count = csvRecordCounter();
    expect(count(bytes('name,note\r\nAcme,"line one\r\nline two"\r\n'))).toBe(2);
  });
  it("keeps its place across chunks split anywhere, escaped quotes included", () => {
    const text = 'name,note\n"Say ""hi""\nthen go",x\nB,y\n';
    for (let split = 0; split <= text.length; split++) {
      const count = csvRecordCounter();
      count(bytes(text.slice(0, split)));
      expect(count(bytes(text.slice(split)))).toBe(3);
    }
  });
});
