"""cfg_core: classifier guidance (Dhariwal & Nichol 2021) and classifier-free guidance
(Ho & Salimans 2022) on small diffusion models, checked against exact Gaussian-mixture answers."""
