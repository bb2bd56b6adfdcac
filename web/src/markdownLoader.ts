// marked + DOMPurify + highlight.js are a separate chunk, loaded right after
// the shell renders, so they do not delay the first paint. Until it arrives
// an answer shows as plain text.
import { useEffect, useState } from 'react';

type Render = (source: string) => string;
let render: Render | null = null;
let loading: Promise<Render> | null = null;

export function loadMarkdown(): Promise<Render> {
  loading ??= import('./markdown').then((m) => (render = m.renderMarkdown));
  return loading;
}

export function useMarkdown(): Render | null {
  const [r, setR] = useState<Render | null>(() => render);
  useEffect(() => {
    if (r) return;
    let live = true;
    void loadMarkdown().then((f) => live && setR(() => f));
    return () => {
      live = false;
    };
  }, [r]);
  return r;
}
