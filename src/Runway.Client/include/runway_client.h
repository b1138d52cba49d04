/*
 * runway_client.h: the C ABI of libRunwayClient (Runway.Client published with NativeAOT).
 *
 * Narrow on purpose: plain structs, fixed-width integers, no variadics, no callbacks into the
 * caller other than the abort poll. Every function is safe to call from any thread; one client
 * handle may be shared by many threads and plugin instances. No function throws or aborts:
 * failures come back as an rw_status plus a human message in rw_error.
 */
#ifndef RUNWAY_CLIENT_H
#define RUNWAY_CLIENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RW_ABI_VERSION 1

/* Status codes. Values are stable. */
typedef enum rw_status {
    RW_OK = 0,
    RW_ERR_INVALID_ARGUMENT = 1,   /* bad image layout, unknown param, value out of range ... */
    RW_ERR_UNAVAILABLE = 2,        /* daemon not running and could not be started, or died mid-call */
    RW_ERR_CANCELLED = 3,          /* the abort poll returned non-zero, or the daemon cancelled */
    RW_ERR_DEADLINE = 4,           /* timeout_ms elapsed */
    RW_ERR_RESOURCE_EXHAUSTED = 5, /* frame too large, daemon overloaded, out of memory */
    RW_ERR_PROTOCOL_MISMATCH = 6,  /* client and daemon speak different protocol versions */
    RW_ERR_NOT_FOUND = 7,          /* unknown effect id */
    RW_ERR_INTERNAL = 8            /* anything else; the message says what */
} rw_status;

/* Channel storage, matching OFX bit depths. */
typedef enum rw_depth { RW_DEPTH_U8 = 1, RW_DEPTH_U16 = 2, RW_DEPTH_F16 = 3, RW_DEPTH_F32 = 4 } rw_depth;

/* Channels per pixel. */
typedef enum rw_components { RW_RGBA = 1, RW_RGB = 2, RW_ALPHA = 3 } rw_components;

/* Alpha convention of the stored colour. */
typedef enum rw_alpha { RW_ALPHA_STRAIGHT = 1, RW_ALPHA_PREMULTIPLIED = 2, RW_ALPHA_OPAQUE = 3 } rw_alpha;

/* Human message buffer filled on failure (UTF-8, always NUL-terminated). */
typedef struct rw_error {
    int32_t code;          /* an rw_status */
    char message[1024];
} rw_error;

/*
 * An image as an OFX host hands it over: `data` points at pixel (x1, y1), the bottom-left pixel of the
 * bounds; row y is at data + (y - y1) * row_bytes; row_bytes may be negative (top-down memory).
 * Bounds are in pixel coordinates and need not start at the origin.
 */
typedef struct rw_image {
    void* data;
    int64_t row_bytes;
    int32_t x1, y1, x2, y2;      /* bounds, x2/y2 exclusive */
    int32_t components;          /* rw_components */
    int32_t depth;               /* rw_depth */
    int32_t alpha;               /* rw_alpha */
    int32_t reserved;
} rw_image;

typedef enum rw_param_type {
    RW_PARAM_DOUBLE = 1,   /* values[0] */
    RW_PARAM_INT = 2,      /* values[0], integral */
    RW_PARAM_BOOL = 3,     /* values[0] != 0 */
    RW_PARAM_STRING = 4,   /* text (also choice params, by option value) */
    RW_PARAM_DOUBLES = 5   /* values[0 .. count-1], count <= 4 (2D, RGB, RGBA) */
} rw_param_type;

typedef struct rw_param {
    const char* name;
    int32_t type;          /* rw_param_type */
    int32_t count;
    double values[4];
    const char* text;
} rw_param;

/* Polled while waiting for the daemon; return non-zero to cancel the render (OFX abort()). */
typedef int32_t (*rw_abort_fn)(void* user);

/*
 * A source frame at another time, for temporal effects (the effect's frames needed). Images are laid out like
 * the source (same size; bounds are aligned by pixel coordinates). mask is NULL when no mask is connected.
 */
typedef struct rw_frame {
    double time;
    const rw_image* source;      /* required */
    const rw_image* mask;        /* may be NULL */
} rw_frame;

/* One named input clip's image (e.g. "Reference"). name is UTF-8; image is laid out like any rw_image. */
typedef struct rw_named_image {
    const char* name;            /* required, a clip name of the effect */
    const rw_image* image;       /* required */
} rw_named_image;

typedef struct rw_render_request {
    uint32_t struct_size;        /* sizeof(rw_render_request), for forward compatibility */
    const char* effect_id;       /* e.g. "com.runwayml.inpaint" */
    const char* instance_id;     /* stable per plugin instance; may be NULL */
    double time;
    int32_t window[4];           /* render window x1, y1, x2, y2 in pixels; output written only inside it */
    double render_scale[2];
    double pixel_aspect;         /* 0 = 1.0 */
    int32_t interactive;         /* non-zero: interactive/draft render, served first and on the fast path */
    int32_t timeout_ms;          /* 0 = client default */
    const rw_image* source;      /* required */
    const rw_image* mask;        /* NULL when no mask is connected */
    const rw_image* output;      /* required; data written inside window */
    const rw_param* params;
    int32_t param_count;
    rw_abort_fn abort_fn;        /* may be NULL */
    void* abort_user;
    /* Appended after ABI 1's first layout: read only when struct_size covers them, so older callers keep working. */
    const rw_frame* neighbours;  /* neighbour_count frames at other times, any order; may be NULL when the count is 0 */
    int32_t neighbour_count;
    /* Appended second (read only when struct_size covers them): the effect's other input clips at the render time,
     * by the clip names effects.json declares (never "Source" or "Mask"); a clip that is not connected is left out.
     * A clip may be any size (a reference still need not match the source). */
    const rw_named_image* clips; /* clip_count entries; may be NULL when the count is 0 */
    int32_t clip_count;
    int32_t has_source_range;    /* non-zero: source_first/source_last hold the Source clip's frame range */
    double source_first;         /* first frame time of the Source clip, inclusive */
    double source_last;          /* last frame time of the Source clip, inclusive */
} rw_render_request;

/* Opaque client; one per process is enough. */
typedef struct rw_client rw_client;

#if defined(_WIN32)
#  define RW_API __declspec(dllimport)
#else
#  define RW_API
#endif

/* RW_ABI_VERSION of the loaded library; callers compare it with the header's before anything else. */
RW_API int32_t rw_abi_version(void);

/*
 * Creates a client. Does not connect: the first call that needs the daemon finds it (or starts it,
 * detached, waiting a bounded time) and reconnects after a daemon restart. client_name is shown in
 * daemon logs, e.g. "ofx:DaVinci Resolve". Every call also declares the client's identity to the daemon's
 * render scheduler: client_name plus the process id (or RUNWAY_CLIENT_IDENTITY when set), so all clients
 * and connections of one host process share one turn among waiting hosts. Returns NULL and fills err on failure.
 */
RW_API rw_client* rw_client_create(const char* client_name, rw_error* err);

/* Releases the client, its arenas and connections. NULL is ignored. */
RW_API void rw_client_destroy(rw_client* client);

/* Connects (auto-starting the daemon if needed) and checks the protocol version. */
RW_API int32_t rw_client_ping(rw_client* client, rw_error* err);

/* Renders one frame: copies inputs into the shared frame arena, asks the daemon, copies the result out. */
RW_API int32_t rw_client_render(rw_client* client, const rw_render_request* request, rw_error* err);

#ifdef __cplusplus
}
#endif

#endif
