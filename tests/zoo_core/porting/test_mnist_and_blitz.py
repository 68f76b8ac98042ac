"""Porting tests: tutorial-style PyTorch vision / classic training code, run on Zoo by changing imports:
MNIST example, 60-minute blitz, quickstart.

Written the way it appears in the official PyTorch tutorials and pytorch/examples, on tiny synthetic data.
Each ``@both()`` test takes the ``lib`` fixture (``conftest.py``) and binds ``torch, nn, F, optim, data``
from it, so the very same body also runs under real PyTorch (the reference, when importable).
"""
import numpy as np
import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset, TensorDataset, random_split  # noqa: F401
from tests.zoo_core.porting._helpers import both, make_images


# ---------------------------------------------------------------------------------------------------------
# 1. pytorch/examples mnist/main.py: Net, train/test loops, Adadelta + StepLR(gamma=0.7), save state dict
# ---------------------------------------------------------------------------------------------------------
@both()
def test_mnist_example(lib, tmp_path):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim
    from_numpy = torch.from_numpy
    StepLR = optim.lr_scheduler.StepLR

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    def train(args, model, device, train_loader, optimizer, epoch):
        model.train()
        losses = []
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if batch_idx % args["log_interval"] == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader), loss.item()))
        return sum(losses) / len(losses)

    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
            test_loss, correct, len(test_loader.dataset), 100. * correct / len(test_loader.dataset)))
        return test_loss, correct

    args = {"batch_size": 16, "test_batch_size": 32, "epochs": 3, "lr": 1.0, "gamma": 0.7, "log_interval": 2}
    use_cuda = torch.cuda.is_available()
    torch.manual_seed(1)
    device = torch.device("cuda" if use_cuda else "cpu")
    train_kwargs = {'batch_size': args["batch_size"]}
    test_kwargs = {'batch_size': args["test_batch_size"]}
    if use_cuda:
        cuda_kwargs = {'num_workers': 1, 'pin_memory': True, 'shuffle': True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)

    x, y = make_images(64, 1, 28, 28)
    dataset1 = lib.TensorDataset(from_numpy(x), from_numpy(y))
    dataset2 = lib.TensorDataset(from_numpy(x[:32].copy()), from_numpy(y[:32].copy()))
    train_loader = lib.DataLoader(dataset1, **train_kwargs)
    test_loader = lib.DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])
    scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])
    loss0, _ = test(model, device, test_loader)
    epoch_losses = []
    for epoch in range(1, args["epochs"] + 1):
        epoch_losses.append(train(args, model, device, train_loader, optimizer, epoch))
        scheduler.step()
    loss1, correct = test(model, device, test_loader)

    assert loss1 < loss0 and epoch_losses[-1] < epoch_losses[0]
    assert correct >= 16
    assert optimizer.param_groups[0]['lr'] == pytest.approx(1.0 * 0.7 ** 3)

    torch.save(model.state_dict(), tmp_path / "mnist_cnn.pt")
    model2 = Net().to(device)
    model2.load_state_dict(torch.load(tmp_path / "mnist_cnn.pt"))
    model2.eval()
    # the same weights give the same predictions; the summed loss may differ in its last float32 bits (numpy's
    # SIMD sums depend on the arrays' memory alignment)
    loss2, correct2 = test(model2, device, test_loader)
    assert correct2 == correct and loss2 == pytest.approx(loss1, rel=1e-6)


# ---------------------------------------------------------------------------------------------------------
# 2. 60-minute blitz "Training a classifier" (CIFAR-10 CNN), SGD momentum, running_loss, torch.max(.data, 1)
# ---------------------------------------------------------------------------------------------------------
@both()
def test_blitz_cifar_classifier(lib, tmp_path):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim

    x, y = make_images(64, 3, 32, 32)
    trainset = lib.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    trainloader = lib.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=0)
    testloader = lib.DataLoader(trainset, batch_size=4, shuffle=False, num_workers=0)
    classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

    dataiter = iter(trainloader)
    images, labels = next(dataiter)
    assert tuple(images.shape) == (4, 3, 32, 32)
    print(' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    torch.manual_seed(0)
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    epoch_losses = []
    for epoch in range(4):  # loop over the dataset multiple times
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels = data
            # zero the parameter gradients
            optimizer.zero_grad()
            # forward + backward + optimize
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            # print statistics
            running_loss += loss.item()
            if i % 8 == 7:
                print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 8:.3f}')
        epoch_losses.append(running_loss / len(trainloader))
    print('Finished Training')
    assert epoch_losses[-1] < epoch_losses[0]

    PATH = str(tmp_path / 'cifar_net.pth')
    torch.save(net.state_dict(), PATH)
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))

    correct = 0
    total = 0
    # since we're not training, we don't need to calculate the gradients for our outputs
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            # calculate outputs by running images through the network
            outputs = net(images)
            # the class with the highest energy is what we choose as prediction
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print(f'Accuracy of the network on the 64 test images: {100 * correct // total} %')
    assert total == 64 and correct > 10

    # prepare to count predictions for each class
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    for classname, correct_count in correct_pred.items():
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
    assert sum(correct_pred.values()) == correct and sum(total_pred.values()) == 64


# ---------------------------------------------------------------------------------------------------------
# 3. Blitz "Neural networks": x.view(-1, 16*5*5), num_flat_features, net.zero_grad(), manual SGD update
# ---------------------------------------------------------------------------------------------------------
@both()
def test_blitz_neural_networks(lib):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            self.fc1 = nn.Linear(16 * 6 * 6, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

        def num_flat_features(self, x):
            size = x.size()[1:]  # all dimensions except the batch dimension
            num_features = 1
            for s in size:
                num_features *= s
            return num_features

    torch.manual_seed(0)
    net = Net()
    print(net)
    params = list(net.parameters())
    print(len(params))
    print(params[0].size())  # conv1's .weight
    assert len(params) == 10 and params[0].size() == (6, 1, 3, 3)

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    assert out.shape == (1, 10)
    net.zero_grad()
    out.backward(torch.randn(1, 10))

    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

    net.zero_grad()  # zeroes the gradient buffers of all parameters
    print('conv1.bias.grad before backward')
    print(net.conv1.bias.grad)
    loss.backward()
    print('conv1.bias.grad after backward')
    print(net.conv1.bias.grad)
    assert net.conv1.bias.grad.shape == (6,) and net.conv1.bias.grad.abs().sum() > 0

    learning_rate = 0.01
    before = loss.item()
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    assert criterion(net(input), target).item() < before

    # create your optimizer
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    for _ in range(5):
        optimizer.zero_grad()  # zero the gradient buffers
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()  # Does the update
    assert loss.item() < before


# ---------------------------------------------------------------------------------------------------------
# 4. Blitz "Tensors" + "autograd": creation, numpy bridge (shared memory), in-place, view, item, grad
# ---------------------------------------------------------------------------------------------------------
@both()
def test_blitz_tensors_and_autograd(lib):
    torch = lib.torch

    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    assert x_data.dtype == torch.int64 and x_np.dtype == torch.int64 and x_ones.tolist() == [[1, 1], [1, 1]]
    assert x_rand.dtype == torch.float32

    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    assert rand_tensor.shape == ones_tensor.shape == zeros_tensor.shape == torch.Size([2, 3])

    x = torch.zeros(5, 3, dtype=torch.long)
    x = x.new_ones(5, 3, dtype=torch.double)  # new_* methods take in sizes
    x = torch.randn_like(x, dtype=torch.float)  # override dtype!
    print(x.size())
    assert x.size() == (5, 3) and x.dtype == torch.float32
    y = torch.rand(5, 3)
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    y.add_(x)
    assert torch.allclose(result, y)
    print(x[:, 1])

    tensor = torch.ones(4, 4)
    tensor[:, 1] = 0
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    assert t1.shape == (4, 12)
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    z1 = tensor * tensor
    assert torch.equal(y1, y2) and torch.equal(y1, y3) and z1.sum().item() == 12
    agg = tensor.sum()
    agg_item = agg.item()
    assert isinstance(agg_item, float) and agg_item == 12.0

    x = torch.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
    assert (x.size(), y.size(), z.size()) == ((4, 4), (16,), (2, 8))
    x = torch.randn(1)
    assert isinstance(x.item(), float)

    # bridge to numpy: shared memory both ways
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0] * 5
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0] * 5 and t.dtype == torch.float64

    # autograd
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    assert y.grad_fn is not None and x.grad_fn is None
    z = y * y * 3
    out = z.mean()
    out.backward()
    assert torch.allclose(x.grad, torch.full((2, 2), 4.5))

    a = torch.randn(2, 2)
    a = ((a * 3) / (a - 1))
    assert a.requires_grad is False
    a.requires_grad_(True)
    b = (a * a).sum()
    assert b.grad_fn is not None

    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    assert x.grad.shape == (3,) and torch.allclose(x.grad / v, x.grad[1] / v[1] * torch.ones(3))

    print(x.requires_grad)
    print((x ** 2).requires_grad)
    with torch.no_grad():
        assert (x ** 2).requires_grad is False
    y = x.detach()
    assert y.requires_grad is False and x.eq(y).all()


# ---------------------------------------------------------------------------------------------------------
# 5. Quickstart tutorial (FashionMNIST): nn.Flatten + nn.Sequential, train/test functions, .type(torch.float)
# ---------------------------------------------------------------------------------------------------------
@both()
def test_quickstart_tutorial(lib):
    torch, nn = lib.torch, lib.nn

    x, y = make_images(64, 1, 28, 28)
    training_data = lib.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    batch_size = 16
    train_dataloader = lib.DataLoader(training_data, batch_size=batch_size)
    test_dataloader = lib.DataLoader(training_data, batch_size=batch_size)
    for X, y_ in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {X.shape}")
        print(f"Shape of y: {y_.shape} {y_.dtype}")
        break

    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"Using {device} device")

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    torch.manual_seed(0)
    model = NeuralNetwork().to(device)
    print(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            # Compute prediction error
            pred = model(X)
            loss = loss_fn(pred, y)
            # Backpropagation
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 2 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
        return test_loss, correct

    loss0, _ = test(test_dataloader, model, loss_fn)
    epochs = 5
    for t in range(epochs):
        print(f"Epoch {t + 1}\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
    loss1, acc = test(test_dataloader, model, loss_fn)
    print("Done!")
    assert loss1 < loss0 and acc > 0.3

    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
    assert [n for n, _ in model.named_parameters()][:2] == ["linear_relu_stack.0.weight",
                                                            "linear_relu_stack.0.bias"]
    X = torch.rand(1, 28, 28, device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    assert y_pred.shape == (1,) and abs(pred_probab.sum().item() - 1) < 1e-5
