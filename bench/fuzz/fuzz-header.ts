/** The part of bench/FUZZ.md that explains the run; run-fuzz.ts appends the numbers. */
export const FUZZ_HEADER = `# Fuzzing Lifeboat's untrusted input (issue 13)

Written by \`npm run fuzz\` (code in \`bench/fuzz/\`); \`npm test\` runs a seeded few hundred of the same
cases in seconds (\`test/fuzz/fuzz-quick.test.ts\`).

What is fed, all generated from a seed (\`bench/fuzz/fuzz-random.ts\`), mostly by mutating valid samples:
- **Device messages** (protocol.md §1–§4), each to the real reader over an in-memory connection that
  ends after it: usbmux packets (\`readMuxPacket\`, \`decodeMuxPlist\`, \`parseAttachedDevice\`), lockdown
  replies (\`LockdownClient\` requests), DeviceLink messages (\`readPlistFrame\`, \`parseDeviceLinkMessage\`)
  and AFC replies (\`AfcClient\`). Byte mutations (flips, interesting length values, truncation,
  repeats, insertions) and structure mutations (values of the wrong type, hostile paths, huge numbers),
  plus named generators: a billion-laughs binary plist and a self-referencing one.
- **Engine conversations**: a scripted phone that, after the handshake, sends DeviceLink requests and
  mobilebackup2 upload streams (some mutated, some naming \`../\`, absolute, Windows device names or
  the sentinel folder) to the real engine (\`runBackupWith\`) with the case's own backup root;
  some finish a backup so the commit runs too. A quarter start from a previous backup with a folder
  that is a symbolic link to the sentinel (\`planted-link\`), send paths through it, and end with an
  incremental commit (a reverse delta renaming into that backup).
- **Backup folders** (§5, §6), made from three valid samples (a plain and an encrypted backup written
  by the simulator's backup-format library, with a real keybag whose PBKDF2 counts are tiny, and the
  mvt fixture copied from ../shared/fixtures), then read the way Lifeboat reads a folder it did not
  write: \`unlockBackup\`, \`inspectBackup\` with verify's size check, and the browser (summary,
  domains, apps, search, missing files, extracting the first three domains). Mutations: plist bytes
  and structure, billion-laughs and cyclic plists, hostile Manifest.db rows and MBFile blobs,
  \`../\` fileIDs, hostile schemas (Files as an endless recursive VIEW, as a cross join, with wrong
  column types or missing columns, 100 MB blobs), corrupted database pages, keybag TLVs, huge
  ITER/DPIC counts, missing, truncated or symlinked content files and plists.

Each case runs with a 5 s deadline in a child process limited to a 512 MB heap, with memory sampled
while it runs. A case past its deadline is cancelled (its AbortSignal) and given 3 s to wind down
before its folder is removed, and the child then exits; an error that case throws later is recorded
against it ("after its time-out"), not against the next case, which never ran. Outcomes: **ok** (read), **refused** (a typed error of the layer, which carries a
sentence: BackupError, ServiceError, DeviceError, PlistShapeError, MuxPacketError, a closed stream),
and the findings: **crash** (any other exception, or the process dying), **escape**, **time-out**
(over 5 s, or a process that stopped answering and was killed) and **memory** (over 512 MB, or the
process running out of heap). An **escape** is any of: a node:fs call on a path outside the case's
folder (all of node:fs and node:fs/promises is wrapped while a case runs), a file created or changed
in the sentinel folder next to it or beside the case folder, or the sentinel's secret showing up in
what was extracted (a read through a link or a traversing path that the wrappers cannot see, as
the kernel follows links). Native reads (SQLite) and the whole-file writer's threads are covered by
the sentinel checks only.
`;
