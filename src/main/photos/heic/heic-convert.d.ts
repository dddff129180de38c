/**
 * The one call Lifeboat makes into heic-convert (libheif compiled to JavaScript, decoding; jpeg-js
 * encoding), which ships no types: a HEIC's bytes in, its primary picture as a JPEG out.
 */
declare module 'heic-convert' {
  function convert(input: { readonly buffer: Uint8Array; readonly format: 'JPEG' | 'PNG'; readonly quality?: number }): Promise<ArrayBuffer | Uint8Array>;
  export = convert;
}
