/*
 * abi_test.c: proves the C ABI of libRunwayClient the way the OFX shim uses it. dlopens the library, checks
 * rw_abi_version, creates a client, pings a running daemon and renders through it.
 *
 *   abi_test <path/to/libRunwayClient.so> basic   ping, renders with offset bounds, negative row bytes, a render
 *                                                 window, errors, and 4 threads sharing one client
 *   abi_test <path/to/libRunwayClient.so> abort   render against a slow daemon; abort() returns 1 after ~200 ms
 *
 * The daemon is found through RUNWAY_SOCKET. Prints "OK" and exits 0 on success.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runway_client.h"

/* The managed mirrors in Runway.Client.Native/NativeTypes.cs assume these LP64 sizes and offsets. */
_Static_assert(sizeof(rw_error) == 1028, "rw_error layout");
_Static_assert(sizeof(rw_image) == 48, "rw_image layout");
_Static_assert(sizeof(rw_param) == 56, "rw_param layout");
_Static_assert(offsetof(rw_param, values) == 16 && offsetof(rw_param, text) == 48, "rw_param offsets");
_Static_assert(sizeof(rw_render_request) == 184, "rw_render_request layout");
_Static_assert(offsetof(rw_render_request, window) == 32 && offsetof(rw_render_request, source) == 80 &&
               offsetof(rw_render_request, abort_fn) == 120, "rw_render_request offsets");
/* Fields appended after the first layout start where that layout ended (136 bytes). */
_Static_assert(offsetof(rw_render_request, neighbours) == 136 && offsetof(rw_render_request, neighbour_count) == 144,
               "rw_render_request appended fields");
/* Appended second: named clips and the source range, after the neighbour fields' 152 bytes. */
_Static_assert(offsetof(rw_render_request, clips) == 152 && offsetof(rw_render_request, clip_count) == 160 &&
                   offsetof(rw_render_request, has_source_range) == 164 && offsetof(rw_render_request, source_first) == 168 &&
                   offsetof(rw_render_request, source_last) == 176,
               "rw_render_request second appended fields");
_Static_assert(sizeof(rw_named_image) == 16 && offsetof(rw_named_image, image) == 8, "rw_named_image layout");
_Static_assert(sizeof(rw_frame) == 24 && offsetof(rw_frame, source) == 8 && offsetof(rw_frame, mask) == 16, "rw_frame layout");

typedef int32_t (*abi_version_fn)(void);
typedef rw_client* (*create_fn)(const char*, rw_error*);
typedef void (*destroy_fn)(rw_client*);
typedef int32_t (*ping_fn)(rw_client*, rw_error*);
typedef int32_t (*render_fn)(rw_client*, const rw_render_request*, rw_error*);

static create_fn p_create;
static destroy_fn p_destroy;
static ping_fn p_ping;
static render_fn p_render;

#define FAIL(...) do { fprintf(stderr, "abi_test: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A float RGBA image with bounds (x1,y1)-(x2,y2), stored top-down in memory (negative row bytes) when top_down. */
typedef struct image {
    float* memory;
    rw_image view;
} image;

static image make_image(int x1, int y1, int x2, int y2, int top_down) {
    image im;
    int w = x2 - x1, h = y2 - y1;
    int64_t row = (int64_t)w * 4 * (int64_t)sizeof(float) + 16; /* padded rows */
    im.memory = calloc((size_t)(row * h), 1);
    if (!im.memory) FAIL("out of memory");
    char* base = (char*)im.memory;
    im.view.data = top_down ? base + (h - 1) * row : base;
    im.view.row_bytes = top_down ? -row : row;
    im.view.x1 = x1; im.view.y1 = y1; im.view.x2 = x2; im.view.y2 = y2;
    im.view.components = RW_RGBA;
    im.view.depth = RW_DEPTH_F32;
    im.view.alpha = RW_ALPHA_STRAIGHT;
    im.view.reserved = 0;
    return im;
}

static float* pixel(const image* im, int x, int y) {
    return (float*)((char*)im->view.data + (int64_t)(y - im->view.y1) * im->view.row_bytes) + (x - im->view.x1) * 4;
}

static void fill(image* im, float seed) {
    for (int y = im->view.y1; y < im->view.y2; y++)
        for (int x = im->view.x1; x < im->view.x2; x++) {
            float* p = pixel(im, x, y);
            p[0] = seed + x; p[1] = seed + y * 0.5f; p[2] = seed * 2.0f; p[3] = 1.0f;
        }
}

static rw_render_request make_request(const char* effect, const image* src, const image* out, int wx1, int wy1, int wx2, int wy2) {
    rw_render_request r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.effect_id = effect;
    r.instance_id = "abi-test";
    r.window[0] = wx1; r.window[1] = wy1; r.window[2] = wx2; r.window[3] = wy2;
    r.render_scale[0] = r.render_scale[1] = 1.0;
    r.pixel_aspect = 1.0;
    r.source = &src->view;
    r.output = &out->view;
    return r;
}

static void expect_passthrough(const image* src, const image* out, int wx1, int wy1, int wx2, int wy2, float sentinel) {
    for (int y = out->view.y1; y < out->view.y2; y++)
        for (int x = out->view.x1; x < out->view.x2; x++) {
            const float* o = pixel(out, x, y);
            int in_window = x >= wx1 && x < wx2 && y >= wy1 && y < wy2;
            int in_source = x >= src->view.x1 && x < src->view.x2 && y >= src->view.y1 && y < src->view.y2;
            if (!in_window) {
                if (o[0] != sentinel) FAIL("pixel (%d,%d) outside the window was written", x, y);
            } else if (!in_source) {
                if (o[0] != 0.0f || o[3] != 0.0f) FAIL("pixel (%d,%d) outside the source is not transparent black", x, y);
            } else if (memcmp(o, pixel(src, x, y), 16) != 0) {
                FAIL("pixel (%d,%d) differs from the source", x, y);
            }
        }
}

static void* thread_main(void* arg) {
    rw_client* client = arg;
    for (int i = 0; i < 5; i++) {
        image src = make_image(3, 4, 83, 54, i % 2);
        image out = make_image(3, 4, 83, 54, (i + 1) % 2);
        fill(&src, (float)(i * 7 + (int)(size_t)pthread_self() % 13));
        rw_render_request r = make_request("com.runwayml.passthrough", &src, &out, 3, 4, 83, 54);
        rw_error err;
        if (p_render(client, &r, &err) != RW_OK) FAIL("threaded render failed: %d %s", err.code, err.message);
        expect_passthrough(&src, &out, 3, 4, 83, 54, 0.0f);
        free(src.memory);
        free(out.memory);
    }
    return NULL;
}

static pthread_t render_thread;
static int abort_polls;
static int abort_wrong_thread;

static int32_t abort_after_20(void* user) {
    (void)user;
    if (!pthread_equal(pthread_self(), render_thread)) abort_wrong_thread = 1;
    return ++abort_polls >= 20;
}

int main(int argc, char** argv) {
    if (argc < 3) FAIL("usage: abi_test LIB basic|abort");
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) FAIL("dlopen: %s", dlerror());
    abi_version_fn p_version = (abi_version_fn)dlsym(lib, "rw_abi_version");
    p_create = (create_fn)dlsym(lib, "rw_client_create");
    p_destroy = (destroy_fn)dlsym(lib, "rw_client_destroy");
    p_ping = (ping_fn)dlsym(lib, "rw_client_ping");
    p_render = (render_fn)dlsym(lib, "rw_client_render");
    if (!p_version || !p_create || !p_destroy || !p_ping || !p_render) FAIL("missing export");
    if (p_version() != RW_ABI_VERSION) FAIL("abi version %d, header %d", p_version(), RW_ABI_VERSION);

    rw_error err;
    rw_client* client = p_create("ofx:abi_test", &err);
    if (!client) FAIL("create: %d %s", err.code, err.message);
    if (p_ping(client, &err) != RW_OK) FAIL("ping: %d %s", err.code, err.message);

    if (strcmp(argv[2], "basic") == 0) {
        /* Source bounds off the origin, output top-down in memory and larger, window poking out of the source. */
        image src = make_image(10, 20, 50, 50, 0);
        image out = make_image(0, 10, 60, 60, 1);
        fill(&src, 0.25f);
        for (int y = out.view.y1; y < out.view.y2; y++)
            for (int x = out.view.x1; x < out.view.x2; x++) pixel(&out, x, y)[0] = -7.0f;
        rw_render_request r = make_request("com.runwayml.passthrough", &src, &out, 5, 25, 40, 55);
        if (p_render(client, &r, &err) != RW_OK) FAIL("render: %d %s", err.code, err.message);
        expect_passthrough(&src, &out, 5, 25, 40, 55, -7.0f);

        rw_render_request unknown = make_request("com.runwayml.nope", &src, &out, 10, 20, 50, 50);
        if (p_render(client, &unknown, &err) != RW_ERR_NOT_FOUND || err.code != RW_ERR_NOT_FOUND || strlen(err.message) == 0)
            FAIL("unknown effect gave %d '%s'", err.code, err.message);

        rw_render_request old = r;
        old.struct_size = 64;
        if (p_render(client, &old, &err) != RW_ERR_INVALID_ARGUMENT) FAIL("small struct_size gave %d", err.code);
        if (p_render(NULL, &r, &err) != RW_ERR_INVALID_ARGUMENT) FAIL("NULL client gave %d", err.code);

        rw_param bad = { "radius", RW_PARAM_STRING, 0, {0, 0, 0, 0}, "huge" };
        rw_render_request with_param = make_request("com.runwayml.inpaint", &src, &out, 10, 20, 50, 50);
        with_param.params = &bad;
        with_param.param_count = 1;
        if (p_render(client, &with_param, &err) != RW_ERR_INVALID_ARGUMENT) FAIL("bad param gave %d %s", err.code, err.message);

        /* Temporal inpaint with neighbouring frames; a caller built against the first layout (struct_size 136, no
           neighbour fields) still renders, and a count without frames is refused. */
        image mask = make_image(10, 20, 50, 50, 0);
        image before = make_image(10, 20, 50, 50, 1);
        image filled = make_image(10, 20, 50, 50, 0);
        fill(&before, 0.25f);
        for (int y = 30; y < 40; y++)
            for (int x = 20; x < 30; x++) { float* m = pixel(&mask, x, y); m[0] = m[1] = m[2] = m[3] = 1.0f; }
        rw_frame frames[2] = { { 4.0, &before.view, &mask.view }, { 6.0, &before.view, NULL } };
        rw_render_request temporal = make_request("com.runwayml.inpaint", &src, &filled, 10, 20, 50, 50);
        temporal.time = 5.0;
        temporal.mask = &mask.view;
        temporal.neighbours = frames;
        temporal.neighbour_count = 2;
        if (p_render(client, &temporal, &err) != RW_OK) FAIL("temporal render: %d %s", err.code, err.message);
        rw_render_request first_layout = temporal;
        first_layout.struct_size = 136;
        if (p_render(client, &first_layout, &err) != RW_OK) FAIL("render with the first layout's struct_size: %d %s", err.code, err.message);
        rw_render_request missing = temporal;
        missing.neighbours = NULL;
        if (p_render(client, &missing, &err) != RW_ERR_INVALID_ARGUMENT) FAIL("neighbour_count without frames gave %d", err.code);

        /* Named clips and the source range reach the daemon: inpaint declares no "Plate" clip, so the daemon refuses
           it by name; a caller built against the second layout (struct_size 152) sends none and renders; a reversed
           source range is refused; a proper one renders. */
        rw_named_image plate = { "Plate", &before.view };
        rw_render_request with_clip = temporal;
        with_clip.clips = &plate;
        with_clip.clip_count = 1;
        if (p_render(client, &with_clip, &err) != RW_ERR_INVALID_ARGUMENT || strstr(err.message, "'Plate'") == NULL)
            FAIL("undeclared clip gave %d '%s'", err.code, err.message);
        rw_render_request second_layout = with_clip;
        second_layout.struct_size = 152;
        if (p_render(client, &second_layout, &err) != RW_OK) FAIL("render with the second layout's struct_size: %d %s", err.code, err.message);
        rw_render_request clips_missing = temporal;
        clips_missing.clip_count = 1;
        if (p_render(client, &clips_missing, &err) != RW_ERR_INVALID_ARGUMENT) FAIL("clip_count without clips gave %d", err.code);
        rw_render_request ranged = temporal;
        ranged.has_source_range = 1;
        ranged.source_first = 9;
        ranged.source_last = 0;
        if (p_render(client, &ranged, &err) != RW_ERR_INVALID_ARGUMENT || strstr(err.message, "source range") == NULL)
            FAIL("reversed source range gave %d '%s'", err.code, err.message);
        ranged.source_first = 0;
        ranged.source_last = 9;
        if (p_render(client, &ranged, &err) != RW_OK) FAIL("render with a source range: %d %s", err.code, err.message);
        free(mask.memory);
        free(before.memory);
        free(filled.memory);
        free(src.memory);
        free(out.memory);

        pthread_t threads[4];
        for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, thread_main, client);
        for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    } else if (strcmp(argv[2], "abort") == 0) {
        image src = make_image(0, 0, 32, 32, 0);
        image out = make_image(0, 0, 32, 32, 0);
        fill(&src, 1.0f);
        rw_render_request r = make_request("com.runwayml.passthrough", &src, &out, 0, 0, 32, 32);
        r.abort_fn = abort_after_20;
        render_thread = pthread_self();
        double start = now_seconds();
        int32_t status = p_render(client, &r, &err);
        double took = now_seconds() - start;
        if (status != RW_ERR_CANCELLED) FAIL("aborted render gave %d %s", status, err.message);
        if (abort_polls < 20) FAIL("abort polled %d times", abort_polls);
        if (abort_wrong_thread) FAIL("abort was polled off the render thread");
        if (took > 3.0) FAIL("aborted render took %.2f s", took);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                if (pixel(&out, x, y)[0] != 0.0f) FAIL("aborted render wrote output");
        free(src.memory);
        free(out.memory);
    } else {
        FAIL("unknown mode %s", argv[2]);
    }

    p_destroy(client);
    p_destroy(NULL);
    printf("OK\n");
    return 0;
}
