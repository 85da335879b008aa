/**
 * A value to paste elsewhere (a webhook URL, a secret) with a Copy button. Without JavaScript it is plain
 * selectable text; the button appears once the island runs. The clipboard API needs a secure context (https or
 * localhost); elsewhere the value is selected so Ctrl-C copies it.
 */
import { useEffect, useRef, useState } from "preact/hooks";

export default function CopyField(props: { value: string; label: string }) {
  const [hydrated, setHydrated] = useState(false);
  const [state, setState] = useState<"idle" | "copied" | "selected">("idle");
  const text = useRef<HTMLPreElement>(null);
  useEffect(() => setHydrated(true), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setState("copied");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(text.current!);
      const selection = globalThis.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      setState("selected");
    }
    setTimeout(() => setState("idle"), 2000);
  };
  return (
    <div class="copy-field">
      <pre data-copy ref={text}>{props.value}</pre>
      {hydrated && (
        <button type="button" class="secondary" onClick={copy} aria-label={`Copy ${props.label}`}>
          {state === "copied" ? "Copied" : state === "selected" ? "Selected: press Ctrl-C" : "Copy"}
        </button>
      )}
    </div>
  );
}
