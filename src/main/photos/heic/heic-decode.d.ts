/**
 * The one call Lifeboat makes into heic-decode (heic-convert's decoder: libheif compiled to
 * JavaScript), which ships no types: a HEIC's bytes in, its primary picture as RGBA out. Older
 * versions hand the pixels back as an ArrayBuffer, newer ones as a typed array.
 */
declare module 'heic-decode' {
  interface DecodedHeic {
    readonly width: number;
    readonly height: number;
    readonly data: ArrayBuffer | Uint8ClampedArray | Uint8Array;
  }
  function decode(input: { readonly buffer: Uint8Array }): Promise<DecodedHeic>;
  export = decode;
}
