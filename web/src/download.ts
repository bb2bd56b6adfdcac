// Hands a file the page has in memory to the browser's download (a
// temporary object URL on a link with `download`).
export function saveFile(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL can go afterwards.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
