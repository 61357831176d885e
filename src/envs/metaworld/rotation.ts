/**
 * Rotation conversions the Meta-World tasks need. Two quaternion orders occur in observations:
 * MuJoCo's (w, x, y, z) body quaternions (`data.xquat`) and scipy's (x, y, z, w), which tasks obtain
 * from a geom's rotation matrix with `Rotation.from_matrix(xmat).as_quat()`.
 */

/**
 * scipy's `Rotation.from_matrix(m).as_quat()` for a row-major 3x3 matrix starting at `offset`:
 * (x, y, z, w), with scipy's sign choice (the largest of the diagonal and trace picks the branch;
 * no canonicalisation to w ≥ 0).
 */
export function matToQuatXYZW(m: ArrayLike<number>, offset = 0, out = new Float64Array(4)): Float64Array {
  const a = (r: number, c: number): number => m[offset + 3 * r + c];
  const trace = a(0, 0) + a(1, 1) + a(2, 2);
  const decision = [a(0, 0), a(1, 1), a(2, 2), trace];
  let choice = 0;
  for (let i = 1; i < 4; i++) if (decision[i] > decision[choice]) choice = i;
  if (choice !== 3) {
    const i = choice;
    const j = (i + 1) % 3;
    const k = (j + 1) % 3;
    out[i] = 1 - trace + 2 * a(i, i);
    out[j] = a(j, i) + a(i, j);
    out[k] = a(k, i) + a(i, k);
    out[3] = a(k, j) - a(j, k);
  } else {
    out[0] = a(2, 1) - a(1, 2);
    out[1] = a(0, 2) - a(2, 0);
    out[2] = a(1, 0) - a(0, 1);
    out[3] = 1 + trace;
  }
  const n = Math.hypot(out[0], out[1], out[2], out[3]);
  for (let i = 0; i < 4; i++) out[i] /= n;
  return out;
}

/** Row-major 3x3 rotation matrix of a MuJoCo (w, x, y, z) quaternion. */
export function quatToMat(q: ArrayLike<number>, out = new Float64Array(9)): Float64Array {
  const [w, x, y, z] = [q[0], q[1], q[2], q[3]];
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - z * w);
  out[2] = 2 * (x * z + y * w);
  out[3] = 2 * (x * y + z * w);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - x * w);
  out[6] = 2 * (x * z - y * w);
  out[7] = 2 * (y * z + x * w);
  out[8] = 1 - 2 * (x * x + y * y);
  return out;
}

/**
 * MuJoCo (w, x, y, z) quaternion of extrinsic x-y-z Euler angles, i.e. scipy's
 * `Rotation.from_euler('xyz', [rx, ry, rz]).as_quat()` reordered to (w, x, y, z).
 */
export function eulerXYZToQuat(rx: number, ry: number, rz: number): Float64Array {
  const [cx, sx] = [Math.cos(rx / 2), Math.sin(rx / 2)];
  const [cy, sy] = [Math.cos(ry / 2), Math.sin(ry / 2)];
  const [cz, sz] = [Math.cos(rz / 2), Math.sin(rz / 2)];
  // q = qz * qy * qx (extrinsic x, then y, then z).
  return Float64Array.of(
    cz * cy * cx + sz * sy * sx,
    cz * cy * sx - sz * sy * cx,
    cz * sy * cx + sz * cy * sx,
    sz * cy * cx - cz * sy * sx,
  );
}
