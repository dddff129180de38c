/*
 * afc-copy: copies a folder of the phone's media area (DCIM) to a local folder over AFC, using
 * libimobiledevice's own AFC client (the library behind idevicebackup2 and ifuse). It is the
 * reference the photo-import benchmark row compares Lifeboat against: Debian's
 * libimobiledevice-utils 1.3.0 ships no AFC copier (no afcclient) and ifuse is not installed, so
 * the benchmark compiles this with gcc against libimobiledevice-1.0.so.6.
 *
 * It does what a plain copier does and no more: walk the tree, read each file in 1 MiB requests,
 * write it under DEST with the same relative path, keep its modification time. Lifeboat's import
 * also sorts into YYYY/MM, writes under a temporary name and keeps an index; that extra work is
 * charged to Lifeboat.
 *
 * The prototypes are declared here because the Debian machine has the library but not its -dev
 * headers; they are libimobiledevice 1.3.0's public API (include/libimobiledevice/afc.h).
 *
 * Usage: afc-copy UDID PHONE_FOLDER DEST   (USBMUXD_SOCKET_ADDRESS is honoured by libusbmuxd)
 * Prints one line: files=N bytes=N
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

typedef struct idevice_private *idevice_t;
typedef struct afc_client_private *afc_client_t;
extern int idevice_new(idevice_t *device, const char *udid);
extern int idevice_free(idevice_t device);
extern int afc_client_start_service(idevice_t device, afc_client_t *client, const char *label);
extern int afc_client_free(afc_client_t client);
extern int afc_read_directory(afc_client_t client, const char *path, char ***list);
extern int afc_get_file_info(afc_client_t client, const char *path, char ***info);
extern int afc_file_open(afc_client_t client, const char *path, int mode, uint64_t *handle);
extern int afc_file_read(afc_client_t client, uint64_t handle, char *data, uint32_t length, uint32_t *bytes_read);
extern int afc_file_close(afc_client_t client, uint64_t handle);
extern int afc_dictionary_free(char **dictionary);

#define AFC_FOPEN_RDONLY 1
#define READ_BYTES (1024 * 1024)

static char buffer[READ_BYTES];
static unsigned long long copied_files = 0;
static unsigned long long copied_bytes = 0;

static int fail(const char *what, const char *path, int code) {
  fprintf(stderr, "afc-copy: %s %s failed (%d)\n", what, path, code);
  return 1;
}

/* The value of KEY in an AFC key/value list, or NULL. */
static const char *info_value(char **info, const char *key) {
  for (int i = 0; info[i] != NULL && info[i + 1] != NULL; i += 2) {
    if (strcmp(info[i], key) == 0) return info[i + 1];
  }
  return NULL;
}

static int copy_file(afc_client_t afc, const char *source, const char *dest, const char *mtime_ns) {
  uint64_t handle = 0;
  int code = afc_file_open(afc, source, AFC_FOPEN_RDONLY, &handle);
  if (code != 0) return fail("open", source, code);
  FILE *out = fopen(dest, "wb");
  if (out == NULL) {
    afc_file_close(afc, handle);
    return fail("create", dest, errno);
  }
  for (;;) {
    uint32_t got = 0;
    code = afc_file_read(afc, handle, buffer, READ_BYTES, &got);
    if (code != 0) {
      fclose(out);
      afc_file_close(afc, handle);
      return fail("read", source, code);
    }
    if (got == 0) break;
    if (fwrite(buffer, 1, got, out) != got) {
      fclose(out);
      afc_file_close(afc, handle);
      return fail("write", dest, errno);
    }
    copied_bytes += got;
  }
  afc_file_close(afc, handle);
  if (fclose(out) != 0) return fail("close", dest, errno);
  if (mtime_ns != NULL) {
    long long ns = atoll(mtime_ns);
    struct timeval times[2] = {{ns / 1000000000LL, (ns % 1000000000LL) / 1000}, {ns / 1000000000LL, (ns % 1000000000LL) / 1000}};
    utimes(dest, times);
  }
  copied_files += 1;
  return 0;
}

static int copy_tree(afc_client_t afc, const char *source, const char *dest) {
  char **names = NULL;
  int code = afc_read_directory(afc, source, &names);
  if (code != 0) return fail("list", source, code);
  if (mkdir(dest, 0700) != 0 && errno != EEXIST) return fail("mkdir", dest, errno);
  int result = 0;
  for (int i = 0; names[i] != NULL && result == 0; i++) {
    if (strcmp(names[i], ".") == 0 || strcmp(names[i], "..") == 0) continue;
    char child[4096];
    char target[4096];
    snprintf(child, sizeof child, "%s/%s", source, names[i]);
    snprintf(target, sizeof target, "%s/%s", dest, names[i]);
    char **info = NULL;
    code = afc_get_file_info(afc, child, &info);
    if (code != 0 || info == NULL) {
      result = fail("stat", child, code);
      break;
    }
    const char *kind = info_value(info, "st_ifmt");
    if (kind != NULL && strcmp(kind, "S_IFDIR") == 0) result = copy_tree(afc, child, target);
    else if (kind != NULL && strcmp(kind, "S_IFREG") == 0) result = copy_file(afc, child, target, info_value(info, "st_mtime"));
    afc_dictionary_free(info);
  }
  afc_dictionary_free(names);
  return result;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: afc-copy UDID PHONE_FOLDER DEST\n");
    return 2;
  }
  idevice_t device = NULL;
  if (idevice_new(&device, argv[1]) != 0) {
    fprintf(stderr, "afc-copy: no device %s\n", argv[1]);
    return 1;
  }
  afc_client_t afc = NULL;
  int code = afc_client_start_service(device, &afc, "afc-copy");
  if (code != 0) {
    idevice_free(device);
    return fail("start AFC on", argv[1], code);
  }
  int result = copy_tree(afc, argv[2], argv[3]);
  afc_client_free(afc);
  idevice_free(device);
  if (result == 0) printf("files=%llu bytes=%llu\n", copied_files, copied_bytes);
  return result;
}
