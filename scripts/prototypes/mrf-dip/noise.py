# Does the network's gain over the sliding window grow with noise? Same data, extra k-space noise.
import numpy as np, torch, time, os, sys
exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dip.py')).read().split("s, r = run_ls()")[0].replace("print('reference vs truth'", "0 and print('reference vs truth'"))
r0 = y[:40] - torch.einsum('tjp,tp->tj', E[sched[:40]], clean)
sigma = (r0.abs().pow(2).mean() / 2).sqrt().item()
print(f'noise σ per component ≈ {sigma:.4g}', flush=True)
def backproj(yk):  # subspace back-projection Σ_t φ_t E^H (w y_t): the sliding window + projection, up to its weights
    Z = torch.zeros(48, 449, 6, dtype=torch.complex64, device=dev)
    Z.index_add_(0, sched, (w[None, :, None] * yk[:, :, None]) * phi.T[:, None, :].to(torch.complex64))
    return torch.einsum('ijp,ijk->kp', E.conj(), Z)
cb = backproj(y)
a = ((cb.conj() * c_sw).sum() / (cb.abs() ** 2).sum()).real  # one scale to the stage's SW coefficients
print('back-projection at the stage noise:', {k: round(v, 1) for k, v in report(a * cb).items()}, flush=True)
y_orig = y.clone()
g = torch.Generator(device=dev).manual_seed(5)
for k in [1, 3, 10]:
    extra = np.sqrt(k * k - 1) * sigma
    y = y_orig + extra * torch.complex(torch.randn(y.shape, device=dev, generator=g), torch.randn(y.shape, device=dev, generator=g))
    c_sw = a * backproj(y)
    base = report(c_sw)
    scale = c_sw.abs().max()
    x_in = torch.cat([c_sw.real, c_sw.imag]).reshape(1, 12, S, S) / scale
    print(f'noise x{k}: back-projection (SW stand-in):', {kk: round(v, 1) for kk, v in base.items()}, flush=True)
    run_dip(width=32, blocks=4, lr=1e-3, steps=3000, label=f'  x{k}')
    run_dip(width=64, blocks=4, lr=1e-3, steps=1500, loss='l1', label=f'  x{k}')
