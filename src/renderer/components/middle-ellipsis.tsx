/**
 * A long path cut in the middle, "CameraRollDomain/Media/D…/IMG_0001.JPG": the start says where, the
 * end says what, and both matter more than the middle (issue 12: search results all read the same).
 * Pure CSS, so it adapts to any width: the head shrinks with an ellipsis, the tail never does. The
 * full text is in `title` (tooltip) and read out whole by screen readers.
 */
export function MiddleEllipsis({ text, className }: { readonly text: string; readonly className?: string }) {
  const cut = tailStart(text);
  return (
    <span className={className ? `middle-ellipsis ${className}` : 'middle-ellipsis'} title={text}>
      {/* A short name is all tail: an empty head would still take its minimum width as an indent. */}
      {cut > 0 ? <span className="middle-ellipsis-head">{text.slice(0, cut)}</span> : null}
      <span className="middle-ellipsis-tail">{text.slice(cut)}</span>
    </span>
  );
}

/** Where the part that stays whole begins: the last path segment (at most 40 characters), else the last 16. */
export function tailStart(text: string): number {
  const slash = Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\'));
  if (slash >= 0 && slash < text.length - 1) return Math.max(slash, text.length - 40);
  return Math.max(0, text.length - 16);
}
