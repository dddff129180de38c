/**
 * The one error type of the simulator's backup-format library.
 *
 * `code` lets the mobilebackup2 engine map a failure to the MBErrorDomain code the real device
 * would answer with (protocol.md §3.9): an empty properties file is the 205 case, a wrong password
 * the 207 case; the message is a sentence a person can act on.
 */
export type BackupFormatErrorCode =
  | 'empty-plist'
  | 'malformed-plist'
  | 'malformed-mbfile'
  | 'malformed-manifest-db'
  | 'malformed-keybag'
  | 'wrong-password'
  | 'key-unwrap-failed'
  | 'bad-ciphertext'
  | 'size-mismatch';

export class BackupFormatError extends Error {
  constructor(
    readonly code: BackupFormatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

/** The backup password does not open the keybag (protocol.md §6.3: an unwrap integrity failure). */
export class WrongPasswordError extends BackupFormatError {
  constructor(message = 'The backup password is wrong: it does not unlock the backup keybag.') {
    super('wrong-password', message);
    this.name = 'WrongPasswordError';
  }
}
