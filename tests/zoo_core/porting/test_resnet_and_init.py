"""Porting tests: tutorial-style PyTorch vision / classic training code, run on Zoo by changing imports:
ResNet block, init functions, transfer learning, module structure parity.

Written the way it appears in the official PyTorch tutorials and pytorch/examples, on tiny synthetic data.
Each ``@both()`` test takes the ``lib`` fixture (``conftest.py``) and binds ``torch, nn, F, optim, data``
from it, so the very same body also runs under real PyTorch (the reference, when importable).
"""
import copy
import math

import numpy as np
import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset, TensorDataset, random_split  # noqa: F401
from tests.zoo_core.porting._helpers import both, make_images, real_torch


# ---------------------------------------------------------------------------------------------------------
# 1. ResNet BasicBlock with nn.Sequential shortcut, AdaptiveAvgPool2d, kaiming_normal_ in self.modules()
# ---------------------------------------------------------------------------------------------------------
@both()
def test_resnet_basicblock(lib):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, in_planes, planes, stride=1):
            super(BasicBlock, self).__init__()
            self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_planes != self.expansion * planes:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                    nn.BatchNorm2d(self.expansion * planes)
                )

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += self.shortcut(x)
            out = F.relu(out)
            return out

    class ResNet(nn.Module):
        def __init__(self, block, num_blocks, num_classes=10, zero_init_residual=True):
            super(ResNet, self).__init__()
            self.in_planes = 8
            self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.layer1 = self._make_layer(block, 8, num_blocks[0], stride=1)
            self.layer2 = self._make_layer(block, 16, num_blocks[1], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16 * block.expansion, num_classes)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
            if zero_init_residual:
                for m in self.modules():
                    if isinstance(m, BasicBlock):
                        nn.init.constant_(m.bn2.weight, 0)

        def _make_layer(self, block, planes, num_blocks, stride):
            strides = [stride] + [1] * (num_blocks - 1)
            layers = []
            for stride in strides:
                layers.append(block(self.in_planes, planes, stride))
                self.in_planes = planes * block.expansion
            return nn.Sequential(*layers)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer1(out)
            out = self.layer2(out)
            out = self.avgpool(out)
            out = torch.flatten(out, 1)
            out = self.fc(out)
            return out

    torch.manual_seed(0)
    model = ResNet(BasicBlock, [1, 1])
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"The model has {n_params:,} trainable parameters")
    # stem 3*8*9 + 16; layer1 2*8*8*9 + 32; layer2 8*16*9 + 16*16*9 + 64 + shortcut 8*16 + 32; fc 170
    assert n_params == 216 + 16 + 1152 + 32 + 1152 + 2304 + 64 + 128 + 32 + 170 == 5266
    assert isinstance(model.layer2[0].shortcut[0], nn.Conv2d) and len(model.layer1[0].shortcut) == 0
    assert model.layer1[0].bn2.weight.abs().sum().item() == 0
    std = model.conv1.weight.std().item()  # kaiming fan_out: std = sqrt(2 / (8 * 9))
    assert 0.6 * math.sqrt(2 / 72) < std < 1.4 * math.sqrt(2 / 72)
    assert len(list(model.buffers())) == 6 * 3  # 6 BatchNorm2d: mean, var, num_batches_tracked

    x, y = make_images(32, 3, 16, 16)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    criterion = nn.CrossEntropyLoss()
    model.train()
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert model.bn1.num_batches_tracked.item() == 8
    model.eval()
    with torch.no_grad():
        out1 = model(inputs[:4])
        out2 = model(inputs[:4])
    assert torch.equal(out1, out2) and out1.shape == (4, 10)


# ---------------------------------------------------------------------------------------------------------
# 2. model.apply(init_fn): xavier_uniform_ / bias.data.fill_ / normal_ on Linear and Conv
# ---------------------------------------------------------------------------------------------------------
@both()
def test_apply_init_fn(lib):
    torch, nn = lib.torch, lib.nn

    def init_weights(m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)
        elif type(m) == nn.Conv2d:
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)
        elif classname_is(m, 'BatchNorm'):
            m.weight.data.normal_(1.0, 0.02)
            m.bias.data.fill_(0)

    def classname_is(m, name):  # the DCGAN weights_init idiom
        return m.__class__.__name__.find(name) != -1

    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 20),
                        nn.ReLU(), nn.Linear(20, 2))
    ret = net.apply(init_weights)
    assert ret is net
    assert torch.all(net[4].bias == 0.01) and net[6].bias.data.eq(0.01).all()
    bound = math.sqrt(6 / (144 + 20))
    assert net[4].weight.abs().max().item() <= bound
    assert net[0].bias.abs().sum().item() == 0
    assert abs(net[1].weight.mean().item() - 1) < 0.1 and net[1].bias.sum().item() == 0
    with torch.no_grad():
        out = net(torch.randn(2, 3, 8, 8))
    assert out.shape == (2, 2) and not out.requires_grad


# ---------------------------------------------------------------------------------------------------------
# 3. Transfer-learning tutorial: freeze params, replace model.fc, train_model with phases,
#    set_grad_enabled(phase == 'train'), copy.deepcopy(state_dict), StepLR(step_size=7, gamma=0.1)
# ---------------------------------------------------------------------------------------------------------
@both()
def test_transfer_learning_tutorial(lib):
    torch, nn, optim = lib.torch, lib.nn, lib.optim
    lr_scheduler = optim.lr_scheduler

    class TinyBackbone(nn.Module):  # stands in for torchvision.models.resnet18(weights=...)
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                                          nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 1000)

        def forward(self, x):
            x = self.avgpool(self.features(x))
            return self.fc(torch.flatten(x, 1))

    torch.manual_seed(0)
    x, y = make_images(48, 3, 16, 16, num_classes=2)
    full = lib.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    image_datasets = dict(zip(['train', 'val'], lib.random_split(full, [32, 16])))
    dataloaders = {k: lib.DataLoader(image_datasets[k], batch_size=8, shuffle=True, num_workers=0)
                   for k in ['train', 'val']}
    dataset_sizes = {k: len(image_datasets[k]) for k in ['train', 'val']}
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    def train_model(model, criterion, optimizer, scheduler, num_epochs=25):
        best_model_wts = copy.deepcopy(model.state_dict())
        best_acc = 0.0
        history = []
        for epoch in range(num_epochs):
            print(f'Epoch {epoch}/{num_epochs - 1}')
            print('-' * 10)
            for phase in ['train', 'val']:
                if phase == 'train':
                    model.train()  # Set model to training mode
                else:
                    model.eval()  # Set model to evaluate mode
                running_loss = 0.0
                running_corrects = 0
                for inputs, labels in dataloaders[phase]:
                    inputs = inputs.to(device)
                    labels = labels.to(device)
                    optimizer.zero_grad()
                    # track history if only in train
                    with torch.set_grad_enabled(phase == 'train'):
                        outputs = model(inputs)
                        _, preds = torch.max(outputs, 1)
                        loss = criterion(outputs, labels)
                        if phase == 'train':
                            loss.backward()
                            optimizer.step()
                        else:
                            assert not loss.requires_grad
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += torch.sum(preds == labels.data)
                if phase == 'train':
                    scheduler.step()
                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]
                print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')
                history.append((phase, epoch_loss, epoch_acc.item()))
                if phase == 'val' and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    best_model_wts = copy.deepcopy(model.state_dict())
        print(f'Best val Acc: {best_acc:4f}')
        model.load_state_dict(best_model_wts)
        return model, history, best_acc

    model_conv = TinyBackbone()
    for param in model_conv.parameters():
        param.requires_grad = False
    frozen = copy.deepcopy(model_conv.features.state_dict())
    # Parameters of newly constructed modules have requires_grad=True by default
    num_ftrs = model_conv.fc.in_features
    model_conv.fc = nn.Linear(num_ftrs, 2)
    model_conv = model_conv.to(device)
    fc_init = model_conv.fc.weight.detach().clone()
    criterion = nn.CrossEntropyLoss()
    # Observe that only parameters of final layer are being optimized as opposed to before.
    optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.1, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    trainable = sum(p.numel() for p in model_conv.parameters() if p.requires_grad)
    assert trainable == 16 * 2 + 2

    model_conv, history, best_acc = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler,
                                                num_epochs=8)
    train_losses = [h[1] for h in history if h[0] == 'train']
    assert train_losses[-1] < train_losses[0]
    assert 0 < best_acc <= 1 and best_acc.dtype == torch.float64
    assert exp_lr_scheduler.get_last_lr() == [pytest.approx(0.01)]
    # frozen feature extractor weights did not move and got no grads (BN running stats do update in train)
    for name, value in model_conv.features.state_dict().items():
        if "running" not in name and "num_batches" not in name:
            assert torch.equal(value.cpu(), frozen[name].cpu()), name
    assert all(p.grad is None for p in model_conv.features.parameters())
    assert not torch.equal(model_conv.fc.weight, fc_init)


# ---------------------------------------------------------------------------------------------------------
# 4. Model printing / summary / state_dict keys parity with PyTorch (same module structure)
# ---------------------------------------------------------------------------------------------------------
def _build_lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def test_model_repr_and_state_dict_keys_match_torch():
    if real_torch is None:
        pytest.skip("PyTorch (reference) is not installed")
    zoo_net, torch_net = _build_lenet(nn), _build_lenet(real_torch.nn)
    assert repr(zoo_net) == repr(torch_net)
    assert list(zoo_net.state_dict()) == list(torch_net.state_dict())
    zoo_bn, torch_bn = nn.BatchNorm2d(4), real_torch.nn.BatchNorm2d(4)
    assert repr(zoo_bn) == repr(torch_bn) and list(zoo_bn.state_dict()) == list(torch_bn.state_dict())
    # the layer-by-layer shape walk from d2l
    X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
    shapes = []
    for layer in zoo_net:
        X = layer(X)
        shapes.append((layer.__class__.__name__, tuple(X.shape)))
    Xt = real_torch.rand(size=(1, 1, 28, 28), dtype=real_torch.float32)
    ref = []
    for layer in torch_net:
        Xt = layer(Xt)
        ref.append((layer.__class__.__name__, tuple(Xt.shape)))
    assert shapes == ref


def test_load_torch_state_dict_into_zoo_model():
    """Weights trained with PyTorch load into the ported Zoo model, which then predicts the same."""
    if real_torch is None:
        pytest.skip("PyTorch (reference) is not installed")
    real_torch.manual_seed(0)
    torch_net = _build_lenet(real_torch.nn).eval()
    zoo_net = _build_lenet(nn).eval()
    zoo_net.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in torch_net.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    with real_torch.no_grad():
        ref = torch_net(real_torch.from_numpy(x)).numpy()
    with torch.no_grad():
        out = zoo_net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
