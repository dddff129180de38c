/** A simple phone drawing for the summary page (decorative: the name next to it says what it is). */
export function PhoneArt({ connected }: { readonly connected: boolean }) {
  return (
    <svg className="phone-art" viewBox="0 0 120 240" width="96" height="192" aria-hidden="true" focusable="false">
      <rect x="4" y="4" width="112" height="232" rx="20" className="phone-body" />
      <rect x="12" y="14" width="96" height="212" rx="13" className={connected ? 'phone-screen phone-screen-on' : 'phone-screen'} />
      <rect x="44" y="20" width="32" height="8" rx="4" className="phone-notch" />
      <rect x="12" y="50" width="96" height="1" className="phone-line" />
    </svg>
  );
}
