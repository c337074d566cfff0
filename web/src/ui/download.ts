function filenameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const encoded = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (encoded?.[1]) return decodeURIComponent(encoded[1].trim().replace(/^"|"$/g, ''));
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  return plain?.[1]?.trim() || fallback;
}

/**
 * Reads a file answer (a call made with `parseAs: 'stream'`) as a blob, reporting progress as a fraction
 * when the size is known (null otherwise), then saves it under the name from Content-Disposition.
 */
export async function downloadFile(
  call: Promise<{ response: Response }>,
  fallbackName: string,
  onProgress: (fraction: number | null) => void,
): Promise<string> {
  const { response } = await call;
  const total = Number(response.headers.get('Content-Length')) || 0;
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  const reader = response.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      onProgress(total ? received / total : null);
    }
  }
  const type = response.headers.get('Content-Type') ?? 'application/octet-stream';
  const blob = reader ? new Blob(chunks, { type }) : await response.blob();
  const filename = filenameFrom(response.headers.get('Content-Disposition'), fallbackName);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return filename;
}
