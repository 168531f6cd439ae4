// Where the image store lives unless --root says otherwise (podman keeps its own in
// /var/lib/containers): a constant of its own so that option parsing needs no store code.
export const DEFAULT_STORE_ROOT = '/var/lib/ctrmon';
