<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AttentionTab</name>
    <message>
        <source>Which validation image to look at</source>
        <translation>要查看哪一张验证图像</translation>
    </message>
    <message>
        <source>Use the drawing</source>
        <translation>使用手绘图</translation>
    </message>
    <message>
        <source>Show the attention for the digit drawn in the Draw tab</source>
        <translation>显示“绘图”页中所画数字的注意力</translation>
    </message>
    <message>
        <source>Which encoder block&apos;s heads to show</source>
        <translation>显示哪一个编码器块的注意力头</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>块</translation>
    </message>
    <message>
        <source>The attention appears once the model has weights.</source>
        <translation>模型有了权重后即显示注意力。</translation>
    </message>
    <message>
        <source>Where the class token looks: each head&apos;s attention over the image&apos;s patches (brighter = more), and the rollout through all blocks. Updates as the model trains.</source>
        <translation>类别 token 在看哪里：每个注意力头在图像各图块上的注意力（越亮越多），以及贯穿所有块的 rollout。随训练更新。</translation>
    </message>
    <message>
        <source>{n} of {count}</source>
        <translation>第 {n} 张，共 {count} 张</translation>
    </message>
    <message>
        <source>image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>head {h} · {share:.0%}</source>
        <translation>头 {h} · {share:.0%}</translation>
    </message>
    <message>
        <source>rollout</source>
        <translation>rollout</translation>
    </message>
    <message>
        <source>Block {b} of {blocks}: where the class token looks, head by head, over {gh}×{gw} patches of {p}×{p} pixels (each map scaled to its own maximum; the % is the head&apos;s share on patches rather than on the class token). Rollout: attention followed through all {blocks} blocks. The model says &lt;b&gt;{name}&lt;/b&gt; ({prob:.0%}).</source>
        <translation>第 {b} 块（共 {blocks} 块）：类别 token 在 {gh}×{gw} 个 {p}×{p} 像素图块上逐头关注的位置（每张图按其自身最大值缩放；% 是该头落在图块而非类别 token 上的份额）。Rollout：注意力贯穿全部 {blocks} 块。模型判断为 &lt;b&gt;{name}&lt;/b&gt;（{prob:.0%}）。</translation>
    </message>
</context>
<context>
    <name>AttributionPicker</name>
    <message>
        <source>Which pixels made the model say what it said, by this method</source>
        <translation>按这种方法看：是哪些像素让模型做出了它的判断</translation>
    </message>
    <message>
        <source>The class whose evidence the map shows</source>
        <translation>热图显示其证据的类别</translation>
    </message>
    <message>
        <source>Attribution</source>
        <translation>归因</translation>
    </message>
    <message>
        <source>for</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>predicted class</source>
        <translation>预测的类别</translation>
    </message>
    <message>
        <source>computing…</source>
        <translation>计算中…</translation>
    </message>
</context>
<context>
    <name>AutoencoderForm</name>
    <message>
        <source>dense</source>
        <translation>全连接</translation>
    </message>
    <message>
        <source>conv</source>
        <translation>卷积</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>dense: fully connected; conv: stride-2 convolutions</source>
        <translation>全连接：全连接层；卷积：步长为 2 的卷积</translation>
    </message>
    <message>
        <source>Latent size</source>
        <translation>潜在维度</translation>
    </message>
    <message>
        <source>Numbers in the code between encoder and decoder</source>
        <translation>编码器与解码器之间编码的数值个数</translation>
    </message>
    <message>
        <source>Hidden sizes</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Dense variant: widths, mirrored</source>
        <translation>全连接变体：各层宽度（解码器镜像对称）</translation>
    </message>
    <message>
        <source>Conv channels</source>
        <translation>卷积通道数</translation>
    </message>
    <message>
        <source>channel count</source>
        <translation>通道数</translation>
    </message>
    <message>
        <source>Conv variant: channels of the (at most two) stride-2 convolutions</source>
        <translation>卷积变体：（最多两个）步长为 2 的卷积的通道数</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
</context>
<context>
    <name>BarChart</name>
    <message>
        <source>No values yet.</source>
        <translation>暂无数值。</translation>
    </message>
</context>
<context>
    <name>CNNForm</name>
    <message>
        <source>Conv channels</source>
        <translation>卷积通道数</translation>
    </message>
    <message>
        <source>channel count</source>
        <translation>通道数</translation>
    </message>
    <message>
        <source>One convolution block per number: its output channels, e.g. 32, 64, 128</source>
        <translation>每个数对应一个卷积块，即它的输出通道数，例如 32, 64, 128</translation>
    </message>
    <message>
        <source>Kernel</source>
        <translation>卷积核</translation>
    </message>
    <message>
        <source>Each convolution&apos;s window in pixels: 3 is usual; 5 or 7 see more at once and cost more</source>
        <translation>每个卷积窗口的像素大小：常用 3；5 或 7 一次看到更多，但计算更贵</translation>
    </message>
    <message>
        <source>Max-pool 2×2 after each block</source>
        <translation>每个块后做 2×2 最大池化</translation>
    </message>
    <message>
        <source>Halve the maps&apos; height and width after each block (at most 3 pools: a 28-pixel image would vanish)</source>
        <translation>每个块后把特征图的高和宽减半（最多 3 次池化：否则 28 像素的图像会缩没）</translation>
    </message>
    <message>
        <source>Batch norm in each block</source>
        <translation>每个块使用批归一化</translation>
    </message>
    <message>
        <source>Dense sizes</source>
        <translation>全连接层大小</translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Dense layers before the output, e.g. 128</source>
        <translation>输出层之前的全连接层，例如 128</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>Dropout 比例</translation>
    </message>
</context>
<context>
    <name>Compare</name>
    <message>
        <source>fork @ epoch {epoch}</source>
        <translation>分叉自第 {epoch} 轮</translation>
    </message>
</context>
<context>
    <name>CompareWindow</name>
    <message>
        <source>Compare runs: {names}</source>
        <translation>比较运行：{names}</translation>
    </message>
    <message>
        <source>Losses (train: line, validation: dashed)</source>
        <translation>损失（训练：实线，验证：虚线）</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
</context>
<context>
    <name>ConfusionMatrixView</name>
    <message>
        <source>No confusion matrix yet — it appears at the end of the first epoch.</source>
        <translation>还没有混淆矩阵——第一轮结束时出现。</translation>
    </message>
    <message>
        <source>true {true} → predicted {predicted}: 1 image ({share} of the {true}s)</source>
        <translation>真实 {true} → 预测 {predicted}：1 张图像（占所有 {true} 的 {share}）</translation>
    </message>
    <message>
        <source>true {true} → predicted {predicted}: {count} images ({share} of the {true}s)</source>
        <translation>真实 {true} → 预测 {predicted}：{count} 张图像（占所有 {true} 的 {share}）</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>predicted</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>true</source>
        <translation>真实</translation>
    </message>
</context>
<context>
    <name>ConfusionTab</name>
    <message>
        <source>Click a cell to see its validation images.</source>
        <translation>点击一个格子，查看对应的验证集图像。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Most confused&lt;/b&gt;</source>
        <translation>&lt;b&gt;最常混淆&lt;/b&gt;</translation>
    </message>
    <message>
        <source>The most-confused pairs appear after the first epoch.</source>
        <translation>最易混淆的类别对在第一轮之后出现。</translation>
    </message>
    <message>
        <source>No validation images in this run (a validation share of 0, or too few images per class), so no confusion matrix: it counts the model&apos;s answers on images it did not train on.</source>
        <translation>此运行没有验证图像（验证比例为 0，或每类图像太少），因此没有混淆矩阵：它统计的是模型在未训练过的图像上的回答。</translation>
    </message>
    <message>
        <source>&lt;b&gt;{true}&lt;/b&gt; right: {count} shown (current weights)</source>
        <translation>&lt;b&gt;{true}&lt;/b&gt; 判对：显示 {count} 张（当前权重）</translation>
    </message>
    <message>
        <source>&lt;b&gt;{true}&lt;/b&gt; taken for {predicted}: {count} shown (current weights)</source>
        <translation>&lt;b&gt;{true}&lt;/b&gt; 被判为 {predicted}：显示 {count} 张（当前权重）</translation>
    </message>
    <message>
        <source>No such images.</source>
        <translation>没有这样的图像。</translation>
    </message>
    <message>
        <source>{true} as {predicted} ({count})</source>
        <translation>{true} 判为 {predicted}（{count}）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Most confused&lt;/b&gt;: {pairs}</source>
        <translation>&lt;b&gt;最易混淆&lt;/b&gt;：{pairs}</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Vision Lab: a bug</source>
        <translation>Vision Lab：程序错误</translation>
    </message>
</context>
<context>
    <name>DataPanel</name>
    <message>
        <source>Open a folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <source>Images in one sub-folder per class, MNIST-format IDX files, or CIFAR-10&apos;s cifar-10-batches-py</source>
        <translation>每类一个子文件夹的图像、MNIST 格式的 IDX 文件，或 CIFAR-10 的 cifar-10-batches-py</translation>
    </message>
    <message>
        <source>Open an .npz file…</source>
        <translation>打开 .npz 文件…</translation>
    </message>
    <message>
        <source>A NumPy .npz with arrays x (images) and y (labels)</source>
        <translation>含数组 x（图像）和 y（标签）的 NumPy .npz 文件</translation>
    </message>
    <message>
        <source>Open a dataset folder (image sub-folders per class, IDX files or CIFAR-10 batches)</source>
        <translation>打开数据集文件夹（每类一个图像子文件夹、IDX 文件或 CIFAR-10 批次文件）</translation>
    </message>
    <message>
        <source>Open a dataset file</source>
        <translation>打开数据集文件</translation>
    </message>
    <message>
        <source>NumPy archives (*.npz);;All files (*)</source>
        <translation>NumPy 归档 (*.npz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{problem} Still using {name}.</source>
        <translation>{problem} 仍在使用 {name}。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The images to train on: bundled digits, a download, or a folder or file of your own</source>
        <translation>要训练的图像：内置的手写数字、可下载的数据集，或你自己的文件夹或文件</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Train on only this many training images (a seeded subset): quick experiments.</source>
        <translation>只用这么多张训练图像（固定种子的子集）：用于快速实验。</translation>
    </message>
    <message>
        <source>Loading examples…</source>
        <translation>正在加载示例…</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Use only</source>
        <translation>仅使用</translation>
    </message>
    <message>
        <source>The dataset is still loading.</source>
        <translation>数据集仍在加载。</translation>
    </message>
    <message>
        <source>  (download)</source>
        <translation>  （需下载）</translation>
    </message>
    <message>
        <source>Source: {source}</source>
        <translation>来源：{source}</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not on this computer yet; click Download to fetch it.</source>
        <translation>“{key}”尚未在本机上；点击“下载”获取它。</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not on this computer yet.
Download it to see its images.</source>
        <translation>“{key}”尚未在本机上。
下载后即可查看其图像。</translation>
    </message>
    <message>
        <source>Per class: {counts}</source>
        <translation>每类：{counts}</translation>
    </message>
    <message>
        <source>Objects per class: {counts}</source>
        <translation>每类物体数：{counts}</translation>
    </message>
    <message>
        <source>No images to show.</source>
        <translation>没有可显示的图像。</translation>
    </message>
    <message>
        <source>Stop reading this folder</source>
        <translation>停止读取此文件夹</translation>
    </message>
    <message>
        <source>Scanning the folder: {count} files so far…</source>
        <translation>正在扫描文件夹：已找到 {count} 个文件…</translation>
    </message>
    <message>
        <source>Reading images: {done} of {total}…</source>
        <translation>正在读取图像：{done} / {total}…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>{done:.1f} of {total:.1f} MB</source>
        <translation>{done:.1f} / {total:.1f} MB</translation>
    </message>
    <message>
        <source>Download cancelled</source>
        <translation>下载已取消</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>下载失败</translation>
    </message>
    <message>
        <source>grey</source>
        <translation>灰度</translation>
    </message>
    <message>
        <source>colour</source>
        <translation>彩色</translation>
    </message>
    <message>
        <source>&lt;b&gt;{used:,}&lt;/b&gt; of {total:,} training images (a seeded subset) · &lt;b&gt;{val:,}&lt;/b&gt; validation · {h}×{w} {kind} · {classes} classes</source>
        <translation>使用 {total:,} 张训练图像中的 &lt;b&gt;{used:,}&lt;/b&gt; 张（固定种子的子集）· &lt;b&gt;{val:,}&lt;/b&gt; 张验证 · {h}×{w} {kind} · {classes} 类</translation>
    </message>
    <message>
        <source>&lt;b&gt;{total:,}&lt;/b&gt; training · &lt;b&gt;{val:,}&lt;/b&gt; validation · {h}×{w} {kind} · {classes} classes</source>
        <translation>&lt;b&gt;{total:,}&lt;/b&gt; 张训练 · &lt;b&gt;{val:,}&lt;/b&gt; 张验证 · {h}×{w} {kind} · {classes} 类</translation>
    </message>
</context>
<context>
    <name>DetectorForm</name>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Channels of the first stage; each further stage doubles them, up to 4×</source>
        <translation>第一阶段的通道数；之后每个阶段加倍，最多 4 倍</translation>
    </message>
    <message>
        <source>Levels</source>
        <translation>层级</translation>
    </message>
    <message>
        <source>How many times the backbone halves the image before the heads: the heatmap has one cell per 2^levels pixels</source>
        <translation>主干网络在检测头之前把图像减半的次数：热图每 2^层级 个像素一个格子</translation>
    </message>
    <message>
        <source>Batch norm in each block</source>
        <translation>每个模块使用批归一化</translation>
    </message>
    <message>
        <source>Score threshold</source>
        <translation>分数阈值</translation>
    </message>
    <message>
        <source>Boxes scoring below this are not drawn or exported; the mAP figures use every box</source>
        <translation>分数低于此值的框不会画出或导出；mAP 指标使用所有框</translation>
    </message>
    <message>
        <source>Boxes per image</source>
        <translation>每张图的框数</translation>
    </message>
    <message>
        <source>The highest peaks kept per image</source>
        <translation>每张图保留的最高峰值个数</translation>
    </message>
</context>
<context>
    <name>DrawCanvas</name>
    <message>
        <source>Draw a digit here
right button erases</source>
        <translation>在这里写一个数字
右键擦除</translation>
    </message>
    <message>
        <source>your drawing</source>
        <extracomment>Caption under the drawing, shown only next to a secondary image.</extracomment>
        <translation>你的手写</translation>
    </message>
</context>
<context>
    <name>DrawTab</name>
    <message>
        <source>The brush</source>
        <translation>笔刷</translation>
    </message>
    <message>
        <source>Brush radius in image pixels</source>
        <translation>画笔半径（图像像素）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Example</source>
        <translation>示例</translation>
    </message>
    <message>
        <source>Put a random validation image on the canvas</source>
        <translation>在画布上放一张随机的验证图像</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>reconstruction</source>
        <translation>重建图</translation>
    </message>
    <message>
        <source>Draw a digit with the mouse (right button erases).</source>
        <translation>用鼠标写一个数字（右键擦除）。</translation>
    </message>
    <message>
        <source>Your drawing through the autoencoder&apos;s bottleneck: what the code keeps.</source>
        <translation>你的手写经过自编码器的瓶颈：编码保留下来的内容。</translation>
    </message>
    <message>
        <source>The model says &lt;b&gt;{label}&lt;/b&gt; ({confidence}).</source>
        <translation>模型认为是 &lt;b&gt;{label}&lt;/b&gt;（{confidence}）。</translation>
    </message>
</context>
<context>
    <name>ExportActions</name>
    <message>
        <source>&amp;Weights (safetensors)…</source>
        <translation>权重 (safetensors)(&amp;W)…</translation>
    </message>
    <message>
        <source>&amp;TorchScript…</source>
        <translation>TorchScript(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;ONNX…</source>
        <translation>ONNX(&amp;O)…</translation>
    </message>
    <message>
        <source>Standalone Python &amp;script…</source>
        <translation>独立 Python 脚本(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Metrics (CSV)…</source>
        <translation>指标 (CSV)(&amp;M)…</translation>
    </message>
    <message>
        <source>Loss &amp;plot as PNG…</source>
        <translation>损失曲线图存为 PNG(&amp;P)…</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Loss plot as S&amp;VG…</source>
        <translation>损失曲线图存为 SVG(&amp;V)…</translation>
    </message>
    <message>
        <source>SVG image (*.svg)</source>
        <translation>SVG 图像 (*.svg)</translation>
    </message>
    <message>
        <source>P&amp;review grid as PNG…</source>
        <translation>预览网格存为 PNG(&amp;R)…</translation>
    </message>
    <message>
        <source>Export {what}</source>
        <translation>导出{what}</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is the run&apos;s own {file}: an export there would destroy the run.</source>
        <translation>“{name}”是该运行自身的 {file}：导出到那里会毁掉这次运行。</translation>
    </message>
    <message>
        <source>Export refused</source>
        <translation>拒绝导出</translation>
    </message>
    <message>
        <source>Train or open a run first: Export writes a saved run&apos;s model.</source>
        <translation>请先训练或打开一个运行：导出写出的是已保存运行的模型。</translation>
    </message>
    <message>
        <source>Nothing to export</source>
        <translation>没有可导出的内容</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is not an earlier {kind} export from Vision Lab. Replace it?</source>
        <translation>“{name}”不是 Vision Lab 之前导出的{kind}文件。要替换它吗？</translation>
    </message>
    <message>
        <source>What it holds now will be lost.</source>
        <translation>其现有内容将会丢失。</translation>
    </message>
    <message>
        <source>Replace the earlier {kind} export &apos;{name}&apos;?</source>
        <translation>替换之前导出的{kind}文件“{name}”吗？</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Exporting {run} as {format}…</source>
        <translation>正在把 {run} 导出为 {format}…</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; already exists. Replace it?</source>
        <translation>“{name}”已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>There is no preview grid to export yet.</source>
        <translation>还没有可导出的预览网格。</translation>
    </message>
    <message>
        <source>check that its folder exists and is writable</source>
        <translation>请检查它的文件夹是否存在且可写</translation>
    </message>
    <message>
        <source>Could not write &apos;{path}&apos;: {reason}.</source>
        <translation>无法写入“{path}”：{reason}。</translation>
    </message>
    <message>
        <source>Replace the file?</source>
        <translation>替换文件？</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Run not saved</source>
        <translation>运行未保存</translation>
    </message>
    <message>
        <source>The trained model is still here: save its weights to another folder.</source>
        <translation>训练好的模型还在：请把它的权重保存到另一个文件夹。</translation>
    </message>
    <message>
        <source>Save weights to…</source>
        <translation>保存权重到…</translation>
    </message>
    <message>
        <source>There is no unsaved model: every run so far was saved in its run folder.</source>
        <translation>没有未保存的模型：目前每个运行都已保存在它的运行文件夹中。</translation>
    </message>
    <message>
        <source>Save the model&apos;s weights in a folder</source>
        <translation>把模型权重保存到一个文件夹</translation>
    </message>
    <message>
        <source>Could not save the weights</source>
        <translation>无法保存权重</translation>
    </message>
    <message>
        <source>Wrote the model (step {step}) to {path}.</source>
        <translation>已把模型（第 {step} 步）写入 {path}。</translation>
    </message>
    <message>
        <source>Wrote {path}.</source>
        <translation>已写入 {path}。</translation>
    </message>
</context>
<context>
    <name>FeatureGrid</name>
    <message>
        <source>No feature maps yet — pick or draw an image to see what each layer responds to.</source>
        <translation>还没有特征图——选一张图像或手写一个，看看每一层对什么有反应。</translation>
    </message>
    <message>
        <source>first-layer filters</source>
        <extracomment>Multiplies the default tile size (about 3.6 text lines).</extracomment>
        <translation>第一层滤波器</translation>
    </message>
</context>
<context>
    <name>FeaturesTab</name>
    <message>
        <source>Which units to make pictures for</source>
        <translation>为哪些单元生成图像</translation>
    </message>
    <message>
        <source>Gradient-ascent steps: more reach a stronger response, and take longer</source>
        <translation>梯度上升的步数：越多，响应越强，耗时也越长</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Make the pictures again from the current weights</source>
        <translation>用当前权重重新生成图像</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Make new pictures as the model trains (at most every {s:.0f} s)</source>
        <translation>模型训练时自动生成新图像（最多每 {s:.0f} 秒一次）</translation>
    </message>
    <message>
        <source>What to show</source>
        <translation>显示内容</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Activation maximisation: a picture is changed step by step until the chosen unit responds as strongly as it can. It shows what excites the unit, not a training image.</source>
        <translation>激活最大化：逐步修改一张图像，直到所选单元的响应尽可能强。它显示的是什么能激发该单元，而不是一张训练图像。</translation>
    </message>
    <message>
        <source>The pictures appear once the model has weights.</source>
        <translation>模型有了权重后，图像会显示在这里。</translation>
    </message>
    <message>
        <source>Each class output</source>
        <translation>每个类别的输出</translation>
    </message>
    <message>
        <source>First-layer filters ({name}, {channels})</source>
        <translation>第一层滤波器（{name}，{channels}）</translation>
    </message>
    <message>
        <source>Channels of {name} ({channels})</source>
        <translation>{name} 的通道（{channels}）</translation>
    </message>
    <message>
        <source>Computing… step {done} of {total}</source>
        <translation>计算中… 第 {done} 步，共 {total} 步</translation>
    </message>
    <message>
        <source>Each picture raises its class&apos;s score above the others&apos; mean; the number is that margin.</source>
        <translation>每张图像把其类别的分数提高到其他类别平均值之上；数字就是这个差值。</translation>
    </message>
    <message>
        <source>Each picture raises its channel&apos;s mean response. Under it: the channel, and that mean.</source>
        <translation>每张图像提高其通道的平均响应。图下方：通道编号和该平均值。</translation>
    </message>
    <message>
        <source>The first {shown} of {total} channels.</source>
        <translation>共 {total} 个通道中的前 {shown} 个。</translation>
    </message>
    <message>
        <source>The model has not finished its first epoch: these pictures mean little yet.</source>
        <translation>模型还没有完成第一轮训练：这些图像目前意义不大。</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <source>number</source>
        <translation>数</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>e.g. 32, 64</source>
        <translation>例如 32, 64</translation>
    </message>
    <message>
        <source>&apos;{text}&apos; is not a whole number; type numbers like 64, 32.</source>
        <translation>“{text}”不是整数；请输入像 64, 32 这样的数。</translation>
    </message>
    <message>
        <source>Each {what} must be between {lo} and {hi}; {value} is not.</source>
        <translation>每个{what}必须在 {lo} 到 {hi} 之间；{value} 不在此范围。</translation>
    </message>
    <message>
        <source>Give at least one {what}.</source>
        <translation>请至少给出一个{what}。</translation>
    </message>
    <message>
        <source>At most {most} numbers, got {count}.</source>
        <translation>最多 {most} 个数，现在有 {count} 个。</translation>
    </message>
    <message>
        <source>{takes}; &apos;{text}&apos; is not one.</source>
        <translation>{takes}；“{text}”不符合。</translation>
    </message>
    <message>
        <source>This value</source>
        <translation>此值</translation>
    </message>
    <message>
        <source>{what} takes a whole number from {lo} to {hi}</source>
        <translation>{what}接受 {lo} 到 {hi} 之间的整数</translation>
    </message>
    <message>
        <source>{what} takes a number from {lo} to {hi}</source>
        <translation>{what}接受 {lo} 到 {hi} 之间的数</translation>
    </message>
    <message>
        <source>{takes}; &apos;{text}&apos; was refused, so it is {kept}.</source>
        <translation>{takes}；“{text}”未被接受，所以仍为 {kept}。</translation>
    </message>
    <message>
        <source>{takes}; an empty box was refused, so it is {kept}.</source>
        <translation>{takes}；不能留空，所以仍为 {kept}。</translation>
    </message>
    <message>
        <source>The learning rate</source>
        <translation>学习率</translation>
    </message>
</context>
<context>
    <name>FiltersTab</name>
    <message>
        <source>Which validation image to show the feature maps of</source>
        <translation>显示哪一张验证图像的特征图</translation>
    </message>
    <message>
        <source>Use the drawing</source>
        <translation>使用手绘图</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>The {module}&apos;s first-layer filters, and what each conv layer sees in a real image.</source>
        <translation>{module}第一层的滤波器，以及每个卷积层在真实图像中看到的内容。</translation>
    </message>
    <message>
        <source>First-layer filters (light = positive weight), then each conv layer&apos;s feature maps.</source>
        <translation>第一层滤波器（亮 = 正权重），然后是每个卷积层的特征图。</translation>
    </message>
    <message>
        <source>first-layer filters</source>
        <translation>第一层滤波器</translation>
    </message>
</context>
<context>
    <name>ForkDialog</name>
    <message>
        <source>Fork {run}</source>
        <translation>分叉 {run}</translation>
    </message>
    <message>
        <source>Where it stopped (epoch {epoch}, step {step}): weights and optimizer state</source>
        <translation>停止处（第 {epoch} 轮，第 {step} 步）：权重和优化器状态</translation>
    </message>
    <message>
        <source>Where it stopped (its end): weights and optimizer state</source>
        <translation>停止处（结尾）：权重和优化器状态</translation>
    </message>
    <message>
        <source>Its starting weights (epoch 0)</source>
        <translation>初始权重（第 0 轮）</translation>
    </message>
    <message>
        <source>The end of epoch {epoch}: weights only</source>
        <translation>第 {epoch} 轮结束时：仅权重</translation>
    </message>
    <message>
        <source>Changed in the panels: {changes}.</source>
        <translation>面板中改动了：{changes}。</translation>
    </message>
    <message>
        <source>No settings changed in the panels: the fork trains on as the run would. Change knobs in the panels first to try something else.</source>
        <translation>面板中没有改动任何设置：分叉会像原运行一样继续训练。想尝试别的，请先在面板中调整参数。</translation>
    </message>
    <message>
        <source>Fork</source>
        <translation>分叉</translation>
    </message>
    <message>
        <source>Start from</source>
        <translation>起点</translation>
    </message>
    <message>
        <source>This run kept no checkpoint or epoch weights to fork from.</source>
        <translation>这个运行没有保存可供分叉的检查点或每轮权重。</translation>
    </message>
</context>
<context>
    <name>Form</name>
    <message>
        <source>The function after each layer: relu is the usual start; try gelu or tanh and compare the curves</source>
        <translation>每层之后的函数：通常从 relu 开始；试试 gelu 或 tanh，比较曲线</translation>
    </message>
    <message>
        <source>Share of units switched off at random while training, against overfitting: try 0.2 to 0.5, or 0</source>
        <translation>训练时随机关闭的单元比例，用来对抗过拟合：可试 0.2 到 0.5，或 0</translation>
    </message>
    <message>
        <source>Normalise each layer&apos;s outputs over the batch: faster, steadier training; turn off to see why</source>
        <translation>在批次上归一化每层的输出：训练更快、更稳；关掉它看看为什么</translation>
    </message>
</context>
<context>
    <name>Formulas</name>
    <message>
        <source>Mean squared error between each pixel &lt;i&gt;x&lt;/i&gt; and its reconstruction &lt;i&gt;x̂&lt;/i&gt;.</source>
        <translation>每个像素 &lt;i&gt;x&lt;/i&gt; 与其重建 &lt;i&gt;x̂&lt;/i&gt; 之间的均方误差。</translation>
    </message>
    <message>
        <source>Cross-entropy between the one-hot label &lt;i&gt;y&lt;/i&gt; and the predicted probabilities &lt;i&gt;ŷ&lt;/i&gt; = softmax(logits).</source>
        <translation>独热标签 &lt;i&gt;y&lt;/i&gt; 与预测概率 &lt;i&gt;ŷ&lt;/i&gt; = softmax(logits) 之间的交叉熵。</translation>
    </message>
    <message>
        <source>The discriminator &lt;i&gt;D&lt;/i&gt; learns to tell real images &lt;i&gt;x&lt;/i&gt; from generated ones &lt;i&gt;G&lt;/i&gt;(&lt;i&gt;z&lt;/i&gt;); the generator learns to fool it.</source>
        <translation>判别器 &lt;i&gt;D&lt;/i&gt; 学习区分真实图像 &lt;i&gt;x&lt;/i&gt; 与生成图像 &lt;i&gt;G&lt;/i&gt;(&lt;i&gt;z&lt;/i&gt;)；生成器学习骗过它。</translation>
    </message>
    <message>
        <source>Attention &lt;i&gt;A&lt;/i&gt;: each head compares every token&apos;s query &lt;i&gt;Q&lt;/i&gt; with every token&apos;s key &lt;i&gt;K&lt;/i&gt; (&lt;i&gt;d&lt;/i&gt; numbers each); the softmax turns the scores into weights that sum to 1, and the token takes that mix of the values &lt;i&gt;V&lt;/i&gt;. The class token&apos;s weights are what the Attention view draws.</source>
        <translation>注意力 &lt;i&gt;A&lt;/i&gt;：每个头把每个词元的查询 &lt;i&gt;Q&lt;/i&gt; 与每个词元的键 &lt;i&gt;K&lt;/i&gt;（各 &lt;i&gt;d&lt;/i&gt; 个数）相比较；softmax 把得分变成和为 1 的权重，词元按这些权重混合值 &lt;i&gt;V&lt;/i&gt;。“注意力”视图画的就是类别词元的权重。</translation>
    </message>
    <message>
        <source>Each object is a peak at its centre in its class&apos;s heatmap: the focal loss &lt;i&gt;L&lt;/i&gt;&lt;sub&gt;heat&lt;/sub&gt; teaches the peaks, &lt;i&gt;L&lt;/i&gt;&lt;sub&gt;size&lt;/sub&gt; the box&apos;s width and height read at the peak, &lt;i&gt;L&lt;/i&gt;&lt;sub&gt;offset&lt;/sub&gt; where in its cell the centre lies. Boxes are the peaks (a 3×3 max-pool keeps the highest), no overlap removal needed. Judged by mAP: the area under precision-recall, a box counting as found when it overlaps the truth by IoU ≥ 0.5 (mAP@0.5) or by 0.5 to 0.95 (mAP).</source>
        <translation>每个物体是其类别热图中、位于物体中心的一个峰值：焦点损失 &lt;i&gt;L&lt;/i&gt;&lt;sub&gt;heat&lt;/sub&gt; 学习这些峰值，&lt;i&gt;L&lt;/i&gt;&lt;sub&gt;size&lt;/sub&gt; 学习在峰值处读出的框宽和框高，&lt;i&gt;L&lt;/i&gt;&lt;sub&gt;offset&lt;/sub&gt; 学习中心在格子内的位置。框就是峰值（3×3 最大池化只保留最高者），不需要去除重叠框。用 mAP 评判：精确率-召回率曲线下的面积，一个框与真实框的 IoU ≥ 0.5（mAP@0.5）或在 0.5 到 0.95 之间（mAP）时才算找到。</translation>
    </message>
    <message>
        <source>A classifier at every pixel &lt;i&gt;p&lt;/i&gt;: cross-entropy between its true class &lt;i&gt;y&lt;sub&gt;p&lt;/sub&gt;&lt;/i&gt; and its predicted probabilities, averaged over the image; plus λ (the Dice weight) times the Dice loss, one minus the overlap of predicted (&lt;i&gt;P&lt;sub&gt;k&lt;/sub&gt;&lt;/i&gt;) and true (&lt;i&gt;T&lt;sub&gt;k&lt;/sub&gt;&lt;/i&gt;) pixels of each class &lt;i&gt;k&lt;/i&gt;. Judged by IoU: |&lt;i&gt;P&lt;/i&gt;∩&lt;i&gt;T&lt;/i&gt;| / |&lt;i&gt;P&lt;/i&gt;∪&lt;i&gt;T&lt;/i&gt;| per class, averaged (mIoU).</source>
        <translation>每个像素 &lt;i&gt;p&lt;/i&gt; 上都是一个分类器：它的真实类别 &lt;i&gt;y&lt;sub&gt;p&lt;/sub&gt;&lt;/i&gt; 与预测概率之间的交叉熵，在整张图上取平均；再加上 λ（Dice 权重）乘以 Dice 损失，即 1 减去每个类别 &lt;i&gt;k&lt;/i&gt; 的预测像素（&lt;i&gt;P&lt;sub&gt;k&lt;/sub&gt;&lt;/i&gt;）与真实像素（&lt;i&gt;T&lt;sub&gt;k&lt;/sub&gt;&lt;/i&gt;）的重叠度。用 IoU 评判：每类 |&lt;i&gt;P&lt;/i&gt;∩&lt;i&gt;T&lt;/i&gt;| / |&lt;i&gt;P&lt;/i&gt;∪&lt;i&gt;T&lt;/i&gt;|，再取平均（mIoU）。</translation>
    </message>
</context>
<context>
    <name>GANForm</name>
    <message>
        <source>Latent size</source>
        <translation>潜在维度</translation>
    </message>
    <message>
        <source>Length of the noise vector z</source>
        <translation>噪声向量 z 的长度</translation>
    </message>
    <message>
        <source>G width</source>
        <translation>生成器宽度</translation>
    </message>
    <message>
        <source>Channels of the generator&apos;s first feature map</source>
        <translation>生成器第一个特征图的通道数</translation>
    </message>
    <message>
        <source>D width</source>
        <translation>判别器宽度</translation>
    </message>
    <message>
        <source>Channels of the discriminator&apos;s first convolution</source>
        <translation>判别器第一个卷积的通道数</translation>
    </message>
    <message>
        <source>D learning rate</source>
        <translation>判别器学习率</translation>
    </message>
    <message>
        <source>The discriminator&apos;s learning rate; &apos;same as G&apos; uses the optimizer&apos;s rate</source>
        <translation>判别器的学习率；“同生成器”即使用优化器的学习率</translation>
    </message>
    <message>
        <source>D steps</source>
        <translation>判别器步数</translation>
    </message>
    <message>
        <source>Discriminator updates per generator update</source>
        <translation>生成器每更新一次，判别器更新的次数</translation>
    </message>
    <message>
        <source>alternating</source>
        <translation>交替</translation>
    </message>
    <message>
        <source>simultaneous</source>
        <translation>同时</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>更新方式</translation>
    </message>
    <message>
        <source>alternating: G learns against the D that just stepped (PyTorch&apos;s DCGAN); simultaneous: both step from one pass over the fakes (the TensorFlow tutorial; faster)</source>
        <translation>交替：生成器对抗刚更新过的判别器来学习（PyTorch 的 DCGAN）；同时：两者用同一批假图像的一次前向同时更新（TensorFlow 教程的做法；更快）</translation>
    </message>
    <message>
        <source>Label smoothing</source>
        <translation>标签平滑</translation>
    </message>
    <message>
        <source>Real images labelled 1 − this for D</source>
        <translation>判别器把真实图像的标签设为 1 − 此值</translation>
    </message>
</context>
<context>
    <name>GanTab</name>
    <message>
        <source>New endpoints</source>
        <translation>新端点</translation>
    </message>
    <message>
        <source>&lt;b&gt;Between two noise vectors&lt;/b&gt;</source>
        <translation>&lt;b&gt;两个噪声向量之间&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Move {count} of the latent dimensions&lt;/b&gt;</source>
        <translation>&lt;b&gt;移动 {count} 个潜在维度&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;The judge&apos;s view of the samples&lt;/b&gt;</source>
        <translation>&lt;b&gt;裁判眼中的样本&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Judge {confidence:.2f}, {coverage:.0f}/{classes} classes at step {step:,}; samples per class:</source>
        <translation>第 {step:,} 步：判别分类器置信度 {confidence:.2f}，覆盖 {coverage:.0f}/{classes} 类；每类样本：</translation>
    </message>
</context>
<context>
    <name>HealthTab</name>
    <message>
        <source>&lt;b&gt;Gradient norm per layer&lt;/b&gt;</source>
        <translation>&lt;b&gt;每层的梯度范数&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Update / weight per step&lt;/b&gt; (healthy: about 1e-3)</source>
        <translation>&lt;b&gt;每步的更新量 / 权重&lt;/b&gt;（健康值：约 1e-3）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Dead ReLUs&lt;/b&gt; (units silent for a whole batch)</source>
        <translation>&lt;b&gt;死亡 ReLU&lt;/b&gt;（整批都不激活的单元）</translation>
    </message>
    <message>
        <source>No warnings.</source>
        <translation>没有警告。</translation>
    </message>
    <message>
        <source>after {layer}</source>
        <translation>{layer} 之后</translation>
    </message>
</context>
<context>
    <name>ImageGrid</name>
    <message>
        <source>input</source>
        <extracomment>Bumped on every new content: tests and callers can tell a repaint from new pictures.</extracomment>
        <translation>输入</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source> — {right} of {count} right</source>
        <translation> — {count} 张中对了 {right} 张</translation>
    </message>
    <message>
        <source>scene</source>
        <translation>场景</translation>
    </message>
    <message>
        <source>predicted</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>true</source>
        <translation>真实</translation>
    </message>
    <message>
        <source> — mIoU of these scenes {miou} (each scene&apos;s under it)</source>
        <translation> — 这些场景的 mIoU 为 {miou}（每个场景的写在它下方）</translation>
    </message>
    <message>
        <source> — {found} of {total} boxes found, {false} false (score ≥ {threshold})</source>
        <translation> — 找到 {total} 个框中的 {found} 个，{false} 个误报（分数 ≥ {threshold}）</translation>
    </message>
    <message>
        <source> — {classes} of {total} classes among these {count}</source>
        <translation> — 这 {count} 张中有 {total} 类中的 {classes} 类</translation>
    </message>
</context>
<context>
    <name>ImportancePlot</name>
    <message>
        <source>importance (share of the objective&apos;s variance, fANOVA)</source>
        <translation>重要性（目标值方差中所占的份额，fANOVA）</translation>
    </message>
    <message>
        <source>Importances need at least {need} completed trials; {count} so far.</source>
        <translation>计算重要性至少需要 {need} 次完成的试验；目前有 {count} 次。</translation>
    </message>
    <message>
        <source>No importances: {reason}</source>
        <translation>无法计算重要性：{reason}</translation>
    </message>
    <message>
        <source>Which knobs mattered, over {count} completed trials (Optuna&apos;s fANOVA).</source>
        <translation>哪些参数更重要：基于 {count} 次完成的试验（Optuna 的 fANOVA）。</translation>
    </message>
</context>
<context>
    <name>InspectPanel</name>
    <message>
        <source>Draw</source>
        <translation>手绘</translation>
    </message>
    <message>
        <source>Confusion</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>滤波器</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>Explain</source>
        <translation>解释</translation>
    </message>
    <message>
        <source>Latent</source>
        <translation>潜在空间</translation>
    </message>
    <message>
        <source>Scenes</source>
        <translation>场景</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>特征</translation>
    </message>
</context>
<context>
    <name>LatentMapView</name>
    <message>
        <source>No map yet — it appears once the model has placed some images.</source>
        <translation>还没有地图——模型放置了一些图像后出现。</translation>
    </message>
</context>
<context>
    <name>LatentTab</name>
    <message>
        <source>Interpolate image</source>
        <translation>插值：图像</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Training codes (no validation images)</source>
        <translation>训练图像的编码（没有验证图像）</translation>
    </message>
</context>
<context>
    <name>LayerOverview</name>
    <message>
        <source>Each column is a layer, left to right. Blue below 0, white 0, red above; one scale per column (± its largest value, printed under it). Click a unit to see how its value is computed.</source>
        <translation>每一列是一层，从左到右。蓝色小于 0，白色为 0，红色大于 0；每列一个色标（± 该列最大值，印在列下方）。点击一个单元，查看它的值是怎样算出来的。</translation>
    </message>
    <message>
        <source>The layers appear once the model has weights.</source>
        <translation>模型有了权重后，这里会显示各层。</translation>
    </message>
    <message>
        <source>{n} of {total}</source>
        <translation>{n}/{total}</translation>
    </message>
</context>
<context>
    <name>LessonView</name>
    <message>
        <source>The article&apos;s course</source>
        <translation>文章配套课程</translation>
    </message>
    <message>
        <source>Open a lesson from the Lessons menu: its text, formula and what to watch stay here while its model trains.</source>
        <translation>从“课程”菜单打开一课：模型训练时，本课的讲解、公式和观察要点会一直显示在这里。</translation>
    </message>
    <message>
        <source>Formula</source>
        <translation>公式</translation>
    </message>
    <message>
        <source>What to watch</source>
        <translation>观察要点</translation>
    </message>
    <message>
        <source>Pitfall: what goes wrong, and what we do instead</source>
        <translation>易错点：问题在哪，我们怎么做</translation>
    </message>
    <message>
        <source>Lesson</source>
        <translation>本课</translation>
    </message>
    <message>
        <source>More lessons</source>
        <translation>更多课程</translation>
    </message>
    <message>
        <source>Show the lesson</source>
        <translation>显示本课</translation>
    </message>
    <message>
        <source>Bring back the lesson view after closing it</source>
        <translation>关闭本课面板后重新显示它</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>(hover for values)</source>
        <translation>（悬停查看数值）</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <source>Show all points and follow the run again</source>
        <translation>显示全部数据点，并重新跟随运行</translation>
    </message>
    <message>
        <source>epoch &lt;b&gt;{epoch}&lt;/b&gt;</source>
        <translation>轮次 &lt;b&gt;{epoch}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>(epoch {epoch})</source>
        <translation>（轮次 {epoch}）</translation>
    </message>
</context>
<context>
    <name>MLPForm</name>
    <message>
        <source>Hidden sizes</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Widths of the hidden layers, e.g. 512, 256</source>
        <translation>各隐藏层的宽度，例如 512, 256</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>Dropout 比例</translation>
    </message>
    <message>
        <source>Batch norm</source>
        <translation>批归一化</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Preparing the data and the model…</source>
        <translation>正在准备数据和模型…</translation>
    </message>
    <message>
        <source>Resuming: {family} on {dataset}…</source>
        <translation>继续训练：{dataset} 上的 {family}…</translation>
    </message>
    <message>
        <source>Forking: {family} on {dataset}…</source>
        <translation>分叉训练：{dataset} 上的 {family}…</translation>
    </message>
    <message>
        <source>Starting: {family} on {dataset}…</source>
        <translation>开始训练：{dataset} 上的 {family}…</translation>
    </message>
    <message>
        <source>Pausing after this batch…</source>
        <translation>本批次后暂停…</translation>
    </message>
    <message>
        <source>Stopping after this batch…</source>
        <translation>本批次后停止…</translation>
    </message>
    <message>
        <source>Reset: press Start to train from fresh weights.</source>
        <translation>已重置：按“开始”从全新权重训练。</translation>
    </message>
    <message>
        <source>Reset: the next Start begins from freshly initialised weights.</source>
        <translation>已重置：下次“开始”将从全新初始化的权重训练。</translation>
    </message>
    <message>
        <source>Learning rate set to {lr:g} from the next step.</source>
        <translation>学习率将从下一步起设为 {lr:g}。</translation>
    </message>
    <message>
        <source>Saving the run…</source>
        <translation>正在保存运行…</translation>
    </message>
    <message>
        <source>Close Vision Lab?</source>
        <translation>关闭 Vision Lab？</translation>
    </message>
    <message>
        <source>A run is paused. Closing stops it; it is saved and can be resumed later (Run ▸ Resume).</source>
        <translation>有一个运行已暂停。关闭会停止它；它已保存，之后可以继续（运行 ▸ 继续）。</translation>
    </message>
    <message>
        <source>A run is training. Closing stops it; it is saved and can be resumed later (Run ▸ Resume).</source>
        <translation>有一个运行正在训练。关闭会停止它；它已保存，之后可以继续（运行 ▸ 继续）。</translation>
    </message>
    <message>
        <source>Stop and close</source>
        <translation>停止并关闭</translation>
    </message>
    <message>
        <source>Keep training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>Keep it open</source>
        <translation>保持打开</translation>
    </message>
</context>
<context>
    <name>ModelPanel</name>
    <message>
        <source>What kind of network to train: {kinds}</source>
        <translation>要训练哪种网络：{kinds}</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Family</source>
        <translation>模型族</translation>
    </message>
    <message>
        <source>Parameters: counting… (PyTorch is loading)</source>
        <translation>参数：正在计数…（PyTorch 加载中）</translation>
    </message>
    <message>
        <source>Parameters: — (fix the settings above)</source>
        <translation>参数：—（请先修正上面的设置）</translation>
    </message>
    <message>
        <source>Parameters: — (these settings do not fit the image size)</source>
        <translation>参数：—（这些设置与图像尺寸不匹配）</translation>
    </message>
    <message>
        <source>Parameters: &lt;b&gt;{total:,}&lt;/b&gt; ({detail})</source>
        <translation>参数：&lt;b&gt;{total:,}&lt;/b&gt;（{detail}）</translation>
    </message>
    <message>
        <source>Parameters: &lt;b&gt;{total:,}&lt;/b&gt;</source>
        <translation>参数：&lt;b&gt;{total:,}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>does not fit</source>
        <translation>放不下</translation>
    </message>
    <message>
        <source>Block {index} · Conv2d {k}×{k}</source>
        <translation>块 {index} · Conv2d {k}×{k}</translation>
    </message>
    <message>
        <source>Block {index} · MaxPool2d 2×2</source>
        <translation>块 {index} · MaxPool2d 2×2</translation>
    </message>
    <message>
        <source>Parameters: — (block {index} does not fit the {h}×{w} images)</source>
        <translation>参数：—（块 {index} 放不下 {h}×{w} 的图像）</translation>
    </message>
</context>
<context>
    <name>ModuleNames</name>
    <message>
        <source>discriminator</source>
        <translation>判别器</translation>
    </message>
    <message>
        <source>generator</source>
        <translation>生成器</translation>
    </message>
    <message>
        <source>encoder</source>
        <translation>编码器</translation>
    </message>
    <message>
        <source>decoder</source>
        <translation>解码器</translation>
    </message>
</context>
<context>
    <name>NumberGrid</name>
    <message>
        <source> (padding)</source>
        <translation>（填充）</translation>
    </message>
    <message>
        <source>channel {n}: {value}</source>
        <translation>通道 {n}：{value}</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>Validation image</source>
        <translation>验证图像</translation>
    </message>
    <message>
        <source>The drawing</source>
        <translation>手绘图</translation>
    </message>
    <message>
        <source>Picked in Confusion</source>
        <translation>在混淆矩阵中选取</translation>
    </message>
    <message>
        <source>Which image to walk through the model</source>
        <translation>让哪张图像逐层通过模型</translation>
    </message>
    <message>
        <source>Which validation image</source>
        <translation>哪张验证图像</translation>
    </message>
    <message>
        <source>How many channels of each layer to draw</source>
        <translation>每层画出多少个通道</translation>
    </message>
    <message>
        <source>Enlarge</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Every layer in a window of its own, as large as the screen (for a projector)</source>
        <translation>在单独的窗口中显示所有层，尽量铺满屏幕（适合投影）</translation>
    </message>
    <message>
        <source>maps</source>
        <translation>特征图</translation>
    </message>
    <message>
        <source>The model&apos;s layers</source>
        <translation>模型的各层</translation>
    </message>
    <message>
        <source>How a unit gets its value</source>
        <translation>一个单元的值是怎样算出来的</translation>
    </message>
    <message>
        <source>Each column is a layer&apos;s output for the image, left to right, in the model&apos;s own order. Maps and units: blue below 0, white 0, red above, one scale per column (± its largest |value|, under it). Click a unit to see how its value is computed.</source>
        <translation>每一列是该图像在一层的输出，从左到右，按模型自身的顺序。特征图和单元：蓝色小于 0，白色为 0，红色大于 0，每列一个色标（± 该列最大的 |值|，在列下方）。点击一个单元，查看它的值是怎样算出来的。</translation>
    </message>
    <message>
        <source>the drawing</source>
        <translation>手绘图</translation>
    </message>
    <message>
        <source>the picked image</source>
        <translation>选取的图像</translation>
    </message>
    <message>
        <source>validation image {i}</source>
        <translation>验证图像 {i}</translation>
    </message>
    <message>
        <source>The model says &lt;b&gt;{name}&lt;/b&gt; ({p:.0%}) for {what}. Blue below 0, white 0, red above; one scale per column (± its largest |value|). Click a unit to see how its value is computed.</source>
        <translation>对{what}，模型判断为 &lt;b&gt;{name}&lt;/b&gt;（{p:.0%}）。蓝色小于 0，白色为 0，红色大于 0；每列一个色标（± 该列最大的 |值|）。点击一个单元，查看它的值是怎样算出来的。</translation>
    </message>
</context>
<context>
    <name>ParallelPlot</name>
    <message>
        <source>The lines appear as trials end: one per trial, one axis per knob.</source>
        <translation>每次试验结束时会出现一条线：每次试验一条线，每个参数一根坐标轴。</translation>
    </message>
    <message>
        <source>Red: the best trial. Dashed grey: pruned. Colour: {objective}, yellow is best.</source>
        <translation>红色：最好的试验。灰色虚线：被剪枝。颜色：{objective}，黄色最好。</translation>
    </message>
    <message>
        <source>{count} failed trials are not drawn (the table lists them).</source>
        <translation>{count} 次失败的试验没有画出（表格中列出了它们）。</translation>
    </message>
</context>
<context>
    <name>ProcessWorker</name>
    <message>
        <source>The training process could not be started ({reason}).</source>
        <translation>无法启动训练进程（{reason}）。</translation>
    </message>
    <message>
        <source>The training process stopped unexpectedly (it ran out of memory or was killed); what it saved is in the runs folder.</source>
        <translation>训练进程意外停止（内存不足或被终止）；它已保存的内容在运行文件夹中。</translation>
    </message>
    <message>
        <source>The training process stopped unexpectedly (exit code {code}); what it saved is in the runs folder.</source>
        <translation>训练进程意外停止（退出码 {code}）；它已保存的内容在运行文件夹中。</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>Rewind</name>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>step {step} (rewound)</source>
        <translation>第 {step} 步（已回放）</translation>
    </message>
    <message>
        <source>step {step}</source>
        <translation>第 {step} 步</translation>
    </message>
    <message>
        <source>No previews yet: train first.</source>
        <translation>还没有预览：请先训练。</translation>
    </message>
    <message>
        <source>Export the previews as a GIF</source>
        <translation>将预览导出为 GIF</translation>
    </message>
    <message>
        <source>GIF (*.gif)</source>
        <translation>GIF (*.gif)</translation>
    </message>
    <message>
        <source>step {step:,} · epoch {epoch}</source>
        <translation>第 {step:,} 步 · 第 {epoch} 轮</translation>
    </message>
    <message>
        <source>Could not write &apos;{path}&apos;: {reason}.</source>
        <translation>无法写入“{path}”：{reason}。</translation>
    </message>
    <message>
        <source>Saved {count} frames to {path}.</source>
        <translation>已将 {count} 帧保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>RunActions</name>
    <message>
        <source>&amp;Resume run</source>
        <translation>继续运行(&amp;R)</translation>
    </message>
    <message>
        <source>Continue the opened run where it stopped (raise Epochs to train a finished one)</source>
        <translation>从停止处继续已打开的运行（调高轮数可继续训练已完成的运行）</translation>
    </message>
    <message>
        <source>&amp;Fork from here…</source>
        <translation>从此处分叉(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Twin run…</source>
        <translation>双胞胎运行(&amp;T)…</translation>
    </message>
    <message>
        <source>Train the panels&apos; setup twice at once, one knob changed, same seed and batches</source>
        <translation>用各面板的设置同时训练两次：只改一个参数，随机种子和批次相同</translation>
    </message>
    <message>
        <source>&amp;Watch a run folder…</source>
        <translation>监视运行文件夹(&amp;W)…</translation>
    </message>
    <message>
        <source>S&amp;weep…</source>
        <translation>扫描(&amp;W)…</translation>
    </message>
    <message>
        <source>Many runs of the panels&apos; setup over a search space (Optuna)</source>
        <translation>在一个搜索空间上多次训练面板中的设置（Optuna）</translation>
    </message>
    <message>
        <source>Watch a s&amp;weep…</source>
        <translation>观察扫描(&amp;W)…</translation>
    </message>
    <message>
        <source>Stop &amp;watching</source>
        <translation>停止监视(&amp;W)</translation>
    </message>
    <message>
        <source>Save &amp;weights to…</source>
        <translation>保存权重到(&amp;W)…</translation>
    </message>
    <message>
        <source>Save the model of a run whose folder could not be written</source>
        <translation>保存一个无法写入其文件夹的运行的模型</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Stop the run that is training before you resume one.</source>
        <translation>请先停止正在训练的运行，再继续另一个。</translation>
    </message>
    <message>
        <source>Stop the run that is training before you fork one.</source>
        <translation>请先停止正在训练的运行，再分叉另一个。</translation>
    </message>
    <message>
        <source>Open a run first (File ▸ Open run… or the Runs list), or train one: resume acts on it.</source>
        <translation>请先打开一个运行（文件 ▸ 打开运行… 或运行记录列表），或训练一个：“继续”作用于它。</translation>
    </message>
    <message>
        <source>Open a run first (File ▸ Open run… or the Runs list), or train one: fork acts on it.</source>
        <translation>请先打开一个运行（文件 ▸ 打开运行… 或运行记录列表），或训练一个：“分叉”作用于它。</translation>
    </message>
    <message>
        <source>Cannot resume</source>
        <translation>无法继续</translation>
    </message>
    <message>
        <source>&apos;{run}&apos; cannot be resumed: its loss became NaN; fork it from an earlier epoch with a lower learning rate.</source>
        <translation>“{run}”无法继续：它的损失变成了 NaN；请从更早的一轮分叉，并调低学习率。</translation>
    </message>
    <message>
        <source>&apos;{run}&apos; cannot be resumed: it saved no checkpoint.</source>
        <translation>“{run}”无法继续：它没有保存检查点。</translation>
    </message>
    <message>
        <source>A resumed run keeps its settings, but {settings} changed in the panels: use Run ▸ Fork from here… to train with the change.</source>
        <translation>继续的运行保持原设置，但面板中改动了 {settings}：要用改动后的设置训练，请用 运行 ▸ 从这里分叉…。</translation>
    </message>
    <message>
        <source>&apos;{run}&apos; has trained all its {epochs} epochs: raise Epochs in the Training panel above that, then Resume.</source>
        <translation>“{run}”已训练完全部 {epochs} 轮：请在“训练”面板中把轮数调得更大，再点“继续”。</translation>
    </message>
    <message>
        <source>Nothing left to train</source>
        <translation>没有可继续训练的</translation>
    </message>
    <message>
        <source>Cannot fork</source>
        <translation>无法分叉</translation>
    </message>
    <message>
        <source>The settings in the panels are not valid.</source>
        <translation>面板中的设置无效。</translation>
    </message>
    <message>
        <source>Cannot start twin runs</source>
        <translation>无法开始双胞胎运行</translation>
    </message>
    <message>
        <source>The dataset is still loading; try again in a moment.</source>
        <translation>数据集仍在加载，请稍后再试。</translation>
    </message>
    <message>
        <source>Watch a run folder</source>
        <translation>观察一个运行文件夹</translation>
    </message>
    <message>
        <source>Stop the run that is training before watching another one.</source>
        <translation>请先停止正在训练的运行，再观察另一个。</translation>
    </message>
    <message>
        <source>Waiting for the run&apos;s first preview…</source>
        <translation>正在等待运行的第一张预览…</translation>
    </message>
    <message>
        <source>Watching &apos;{folder}&apos;: waiting for a run to start writing there…</source>
        <translation>正在观察“{folder}”：等待有运行开始写入…</translation>
    </message>
    <message>
        <source>Watched {run} to its end ({status}, {result}).</source>
        <translation>已观察 {run} 直到结束（{status}，{result}）。</translation>
    </message>
    <message>
        <source>Watched {run} to its end ({status}).</source>
        <translation>已观察 {run} 直到结束（{status}）。</translation>
    </message>
    <message>
        <source>run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Watching {run} ({family}, written by another process): epoch {epoch} of {epochs}, step {step}</source>
        <translation>正在观察 {run}（{family}，由另一个进程写入）：第 {epoch} / {epochs} 轮，第 {step} 步</translation>
    </message>
</context>
<context>
    <name>RunEvents</name>
    <message>
        <source>Predictions on fixed validation images &lt;span style=&apos;color:{err}&apos;&gt;(red: wrong — true label in brackets)&lt;/span&gt;</source>
        <translation>对固定验证集图像的预测 &lt;span style=&apos;color:{err}&apos;&gt;（红色：错误——括号中为真实标签）&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Reconstructions of fixed validation images: each input above its output</source>
        <translation>固定验证集图像的重建：每个输入在上，输出在下</translation>
    </message>
    <message>
        <source>Predictions on fixed training images (no validation images) &lt;span style=&apos;color:{err}&apos;&gt;(red: wrong — true label in brackets)&lt;/span&gt;</source>
        <translation>对固定训练图像的预测（没有验证集图像）&lt;span style=&apos;color:{err}&apos;&gt;（红色：错误——括号中为真实标签）&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Reconstructions of fixed training images (no validation images): input above output</source>
        <translation>固定训练图像的重建（没有验证集图像）：输入在上，输出在下</translation>
    </message>
    <message>
        <source>Generated from a fixed batch of noise vectors &lt;i&gt;z&lt;/i&gt;: the same &lt;i&gt;z&lt;/i&gt; every time</source>
        <translation>由一批固定的噪声向量 &lt;i&gt;z&lt;/i&gt; 生成：每次都是同样的 &lt;i&gt;z&lt;/i&gt;</translation>
    </message>
    <message>
        <source>Fixed validation scenes: each scene over its predicted mask and its true mask</source>
        <translation>固定的验证场景：每个场景下方依次是预测掩码和真实掩码</translation>
    </message>
    <message>
        <source>Fixed training scenes (no validation images): each scene over its predicted and true mask</source>
        <translation>固定的训练场景（没有验证图像）：每个场景下方依次是预测掩码和真实掩码</translation>
    </message>
    <message>
        <source>Fixed validation scenes: predicted boxes in their class&apos;s colour with their score, true boxes dashed &lt;span style=&apos;color:{err}&apos;&gt;(red: a box missed)&lt;/span&gt;</source>
        <translation>固定的验证场景：预测框用其类别的颜色并标出分数，真实框为虚线 &lt;span style=&apos;color:{err}&apos;&gt;（红色：漏掉了框）&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Fixed training scenes (no validation images): predicted boxes coloured, true boxes dashed &lt;span style=&apos;color:{err}&apos;&gt;(red: a box missed)&lt;/span&gt;</source>
        <translation>固定的训练场景（没有验证图像）：预测框为彩色，真实框为虚线 &lt;span style=&apos;color:{err}&apos;&gt;（红色：漏掉了框）&lt;/span&gt;</translation>
    </message>
    <message>
        <source>device: {device} ({precision})</source>
        <translation>设备：{device}（{precision}）</translation>
    </message>
    <message>
        <source>device: {device}</source>
        <translation>设备：{device}</translation>
    </message>
    <message>
        <source>Training {family} on {dataset}: {images} images, {steps} steps per epoch, {parameters} parameters</source>
        <translation>正在用 {dataset} 训练 {family}：{images} 张图像，每轮 {steps} 步，{parameters} 个参数</translation>
    </message>
    <message>
        <source>Paused before the first step: press Step or Resume.</source>
        <translation>已在第一步之前暂停：请按“单步”或“继续”。</translation>
    </message>
    <message>
        <source>Paused at step {step:,}.</source>
        <translation>已在第 {step:,} 步暂停。</translation>
    </message>
    <message>
        <source>Training stopped</source>
        <translation>训练已停止</translation>
    </message>
    <message>
        <source>Nothing to show: the run did not start.</source>
        <translation>没有可显示的内容：运行没有开始。</translation>
    </message>
    <message>
        <source>Epoch {epoch} / {epochs}</source>
        <translation>第 {epoch} / {epochs} 轮</translation>
    </message>
    <message>
        <source>step {step} / {total}</source>
        <translation>第 {step} / {total} 步</translation>
    </message>
    <message>
        <source>step {step}</source>
        <translation>第 {step} 步</translation>
    </message>
    <message>
        <source>{rate} samples/s</source>
        <translation>{rate} 样本/秒</translation>
    </message>
    <message>
        <source>lr {lr}</source>
        <translation>学习率 {lr}</translation>
    </message>
    <message>
        <source>ETA {time}</source>
        <translation>剩余 {time}</translation>
    </message>
</context>
<context>
    <name>RunStatus</name>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>已发散</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>未完成</translation>
    </message>
    <message>
        <source>unsaved</source>
        <translation>未保存</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>discarded</source>
        <translation>已丢弃</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>RunsPanel</name>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Parent</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Runs in the runs folder; double-click one to open it, select several to compare</source>
        <translation>运行文件夹中的运行；双击打开，选中多个可比较</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read the runs folder again</source>
        <translation>重新读取运行文件夹</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Restore the run&apos;s settings, curves, previews and weights</source>
        <translation>恢复该运行的设置、曲线、预览和权重</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Continue the run where it stopped: same optimizer state, step, RNG and data order</source>
        <translation>从停止处继续该运行：优化器状态、步数、随机数生成器和数据顺序都相同</translation>
    </message>
    <message>
        <source>Fork…</source>
        <translation>分叉…</translation>
    </message>
    <message>
        <source>A new run from this one&apos;s latest or an earlier epoch&apos;s weights, with the settings in the panels</source>
        <translation>用该运行最新的或较早某一轮的权重，以各面板中的设置开始一个新运行</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Overlay the loss curves of the selected runs</source>
        <translation>叠加显示所选运行的损失曲线</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete the selected runs&apos; folders from disk</source>
        <translation>从磁盘删除所选运行的文件夹</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>No runs in &apos;{folder}&apos; yet: press Start to make one.</source>
        <translation>“{folder}”中还没有运行记录：按“开始”创建一个。</translation>
    </message>
    <message>
        <source>{run} @ epoch {epoch}</source>
        <translation>{run} @ 第 {epoch} 轮</translation>
    </message>
    <message>
        <source>{dataset} ({count} images)</source>
        <translation>{dataset}（{count} 张图像）</translation>
    </message>
    <message>
        <source>{done} of {epochs} epochs, step {step}</source>
        <translation>{done} / {epochs} 轮，第 {step} 步</translation>
    </message>
    <message>
        <source>The selected runs have no figures to compare yet.</source>
        <translation>所选运行还没有可比较的数据。</translation>
    </message>
    <message>
        <source>The run that is training now cannot be deleted; stop it first.</source>
        <translation>正在训练的运行不能删除；请先停止它。</translation>
    </message>
    <message>
        <source>Delete runs</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <source>Delete {count} run folder(s) and everything in them?</source>
        <translation>删除 {count} 个运行文件夹及其中的全部内容？</translation>
    </message>
    <message>
        <source>Could not delete {folders}.</source>
        <translation>无法删除 {folders}。</translation>
    </message>
    <message>
        <source>Deleted {count} run(s).</source>
        <translation>已删除 {count} 个运行。</translation>
    </message>
</context>
<context>
    <name>SavedRuns</name>
    <message>
        <source>Open a run folder</source>
        <translation>打开运行文件夹</translation>
    </message>
    <message>
        <source>Stop the run before opening another one.</source>
        <translation>请先停止当前运行，再打开另一个。</translation>
    </message>
    <message>
        <source>Cannot open the run</source>
        <translation>无法打开该运行</translation>
    </message>
    <message>
        <source>Opened {run}: {family} on {dataset}, {result}. Its weights are in Inspect; Start trains a new run with these settings.</source>
        <translation>已打开 {run}：{family}，数据集 {dataset}，{result}。它的权重在“检视”中；按“开始”会用这些设置训练一个新运行。</translation>
    </message>
    <message>
        <source>Opened {run}: {family} on {dataset} (incomplete). Its weights are in Inspect; Start trains a new run with these settings.</source>
        <translation>已打开 {run}：{family}，数据集 {dataset}（未完成）。它的权重在“检视”中；按“开始”会用这些设置训练一个新运行。</translation>
    </message>
    <message>
        <source>This run saved no previews.</source>
        <translation>这个运行没有保存预览。</translation>
    </message>
    <message>
        <source>The last previews saved by {run}</source>
        <translation>{run} 最后保存的预览</translation>
    </message>
    <message>
        <source>No recent runs</source>
        <translation>没有最近的运行</translation>
    </message>
</context>
<context>
    <name>SceneTab</name>
    <message>
        <source>Which scene to show large: 0 is the worst of the ranked validation scenes</source>
        <translation>放大显示哪个场景：0 是排序后最差的验证场景</translation>
    </message>
    <message>
        <source>Worst first</source>
        <translation>最差的在前</translation>
    </message>
    <message>
        <source>Order the scenes from the worst result to the best</source>
        <translation>按结果从最差到最好排列场景</translation>
    </message>
    <message>
        <source>Boxes scoring below this are hidden: slide to trade missed boxes for false ones</source>
        <translation>隐藏分数低于此值的框：拖动滑块，在漏检与误报之间权衡</translation>
    </message>
    <message>
        <source>Draw a scene</source>
        <translation>画一个场景</translation>
    </message>
    <message>
        <source>Draw several digits on an empty scene and watch the model&apos;s masks or boxes appear as you draw</source>
        <translation>在空白场景上写几个数字，边写边看模型给出的掩码或框</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Scene</source>
        <translation>场景</translation>
    </message>
    <message>
        <source>recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <source>precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <source>The scenes appear once the model has weights.</source>
        <translation>模型有了权重后，这里会显示场景。</translation>
    </message>
    <message>
        <source>Draw digits anywhere here
right button erases</source>
        <translation>在这里任意位置写数字
右键擦除</translation>
    </message>
    <message>
        <source>Worst scenes</source>
        <translation>最差的场景</translation>
    </message>
    <message>
        <source>Per class</source>
        <translation>每个类别</translation>
    </message>
    <message>
        <source>Precision–recall</source>
        <translation>精确率-召回率</translation>
    </message>
    <message>
        <source>Click a pixel</source>
        <translation>点击一个像素</translation>
    </message>
    <message>
        <source>Pixel ({x}, {y})</source>
        <translation>像素 ({x}, {y})</translation>
    </message>
    <message>
        <source>Scene #{i}: {missed} true box(es) missed, {false} false at score ≥ {threshold:.2f}; all {n} scenes: {all_missed} missed, {all_false} false. Dashed: the truth. Below: the {worst} worst scenes (missed · false).</source>
        <translation>场景 #{i}：分数 ≥ {threshold:.2f} 时漏掉 {missed} 个真实框，误报 {false} 个；全部 {n} 个场景：漏检 {all_missed}，误报 {all_false}。虚线：真实框。下方：最差的 {worst} 个场景（漏检 · 误报）。</translation>
    </message>
    <message>
        <source>Score ≥ {value:.2f}</source>
        <translation>分数 ≥ {value:.2f}</translation>
    </message>
    <message>
        <source>boxes</source>
        <translation>框</translation>
    </message>
    <message>
        <source>The detector finds {n} box(es) with a score ≥ {threshold:.2f} in your drawing.</source>
        <translation>检测模型在你画的图中找到 {n} 个分数 ≥ {threshold:.2f} 的框。</translation>
    </message>
    <message>
        <source>mask</source>
        <translation>掩码</translation>
    </message>
    <message>
        <source>Your drawing, segmented: each pixel tinted with the class the model gives it.</source>
        <translation>你画的图经过分割：每个像素染上模型给它的类别的颜色。</translation>
    </message>
    <message>
        <source>IoU per class on {n} validation scenes</source>
        <translation>{n} 个验证场景上每个类别的 IoU</translation>
    </message>
    <message>
        <source>predicted</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>true</source>
        <translation>真实</translation>
    </message>
    <message>
        <source>Scene #{i}: its predicted mask (mean IoU {scene:.0%}; all {n} scenes: mIoU {miou:.0%}). Click a pixel for its class probabilities. Below: the {worst} worst scenes, predicted over true.</source>
        <translation>场景 #{i}：它的预测掩码（平均 IoU {scene:.0%}；全部 {n} 个场景：mIoU {miou:.0%}）。点击一个像素查看它的各类别概率。下方：最差的 {worst} 个场景，预测在上、真实在下。</translation>
    </message>
    <message>
        <source>AP@0.5 per class on {n} validation scenes</source>
        <translation>{n} 个验证场景上每个类别的 AP@0.5</translation>
    </message>
</context>
<context>
    <name>SegmenterForm</name>
    <message>
        <source>Levels</source>
        <translation>层级</translation>
    </message>
    <message>
        <source>How many times the encoder halves the image (and the decoder doubles it back); each level sees a wider part of the scene. The image side must divide by 2 to this power</source>
        <translation>编码器把图像减半的次数（解码器再把它加倍回来）；每一层看到场景中更大的一片。图像边长必须能被 2 的这个次方整除</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Channels of the first level; each deeper level doubles them, up to 8×</source>
        <translation>第一层的通道数；每深一层加倍，最多 8 倍</translation>
    </message>
    <message>
        <source>Batch norm in each block</source>
        <translation>每个模块使用批归一化</translation>
    </message>
    <message>
        <source>Dilated convolutions at the bottom</source>
        <translation>底部使用空洞卷积</translation>
    </message>
    <message>
        <source>Spread the bottom block&apos;s kernels apart so each pixel&apos;s class is decided from the whole digit, not only its own stroke</source>
        <translation>把底部模块的卷积核间隔拉开，让每个像素的类别由整个数字决定，而不只是它所在的那一笔</translation>
    </message>
    <message>
        <source>Dice weight</source>
        <translation>Dice 权重</translation>
    </message>
    <message>
        <source>Adds the Dice loss, which counts each class&apos;s overlap whatever its size: small digits on a large background weigh as much as the background. 0 = cross-entropy alone</source>
        <translation>加上 Dice 损失，它按重叠度计算每个类别，不论其大小：大背景上的小数字与背景同等重要。0 = 只用交叉熵</translation>
    </message>
</context>
<context>
    <name>SeriesPlot</name>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <source>Show all points again after zooming or panning</source>
        <translation>缩放或平移后重新显示全部数据点</translation>
    </message>
    <message>
        <source>No data yet.</source>
        <translation>尚无数据。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>same as G</source>
        <translation>与 G 相同</translation>
    </message>
    <message>
        <source>judge {confidence}, {found}/{classes} classes</source>
        <translation>裁判 {confidence}，{found}/{classes} 类</translation>
    </message>
    <message>
        <source>judge {confidence}, {found} classes</source>
        <translation>裁判 {confidence}，{found} 类</translation>
    </message>
    <message>
        <source>G width</source>
        <translation>生成器宽度</translation>
    </message>
    <message>
        <source>D width</source>
        <translation>判别器宽度</translation>
    </message>
    <message>
        <source>D learning rate</source>
        <translation>判别器学习率</translation>
    </message>
    <message>
        <source>D lr</source>
        <translation>判别器学习率</translation>
    </message>
    <message>
        <source>D steps</source>
        <translation>判别器步数</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>更新方式</translation>
    </message>
    <message>
        <source>updates</source>
        <translation>更新方式</translation>
    </message>
    <message>
        <source>Label smoothing</source>
        <translation>标签平滑</translation>
    </message>
    <message>
        <source>smoothing</source>
        <translation>标签平滑</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>Latent size</source>
        <translation>潜在维度</translation>
    </message>
    <message>
        <source>latent</source>
        <translation>潜在维度</translation>
    </message>
    <message>
        <source>Hidden sizes</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <source>hidden</source>
        <translation>隐藏层</translation>
    </message>
    <message>
        <source>Conv channels</source>
        <translation>卷积通道数</translation>
    </message>
    <message>
        <source>conv</source>
        <translation>卷积</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>pool</source>
        <translation>池化</translation>
    </message>
    <message>
        <source>no pool</source>
        <translation>无池化</translation>
    </message>
    <message>
        <source>Conv blocks</source>
        <translation>卷积块</translation>
    </message>
    <message>
        <source>Dense sizes</source>
        <translation>全连接层大小</translation>
    </message>
    <message>
        <source>dense</source>
        <translation>全连接</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>Dropout 比例</translation>
    </message>
    <message>
        <source>dropout</source>
        <translation>dropout</translation>
    </message>
    <message>
        <source>Levels</source>
        <translation>层级</translation>
    </message>
    <message>
        <source>levels</source>
        <translation>层级</translation>
    </message>
    <message>
        <source>Batch norm</source>
        <translation>批归一化</translation>
    </message>
    <message>
        <source>batch norm</source>
        <translation>批归一化</translation>
    </message>
    <message>
        <source>Score threshold</source>
        <translation>分数阈值</translation>
    </message>
    <message>
        <source>threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Boxes per image</source>
        <translation>每张图的框数</translation>
    </message>
    <message>
        <source>boxes</source>
        <translation>框</translation>
    </message>
    <message>
        <source>Patch size</source>
        <translation>图块大小</translation>
    </message>
    <message>
        <source>patch</source>
        <translation>图块</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Blocks</source>
        <translation>块数</translation>
    </message>
    <message>
        <source>blocks</source>
        <translation>块数</translation>
    </message>
    <message>
        <source>Heads</source>
        <translation>头数</translation>
    </message>
    <message>
        <source>heads</source>
        <translation>头数</translation>
    </message>
    <message>
        <source>MLP ratio</source>
        <translation>MLP 倍率</translation>
    </message>
    <message>
        <source>mlp ratio</source>
        <translation>MLP 倍率</translation>
    </message>
    <message>
        <source>Family</source>
        <translation>模型族</translation>
    </message>
    <message>
        <source>family</source>
        <translation>模型族</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Use only</source>
        <translation>仅使用</translation>
    </message>
    <message>
        <source>images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <source>Validation share</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <source>val share</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <source>Split seed</source>
        <translation>划分种子</translation>
    </message>
    <message>
        <source>split seed</source>
        <translation>划分种子</translation>
    </message>
    <message>
        <source>Image size</source>
        <translation>图像尺寸</translation>
    </message>
    <message>
        <source>size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>lr</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>Adam β1</source>
        <translation>Adam β1</translation>
    </message>
    <message>
        <source>β1</source>
        <translation>β1</translation>
    </message>
    <message>
        <source>Adam β2</source>
        <translation>Adam β2</translation>
    </message>
    <message>
        <source>β2</source>
        <translation>β2</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>batch</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>LR schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Step limit</source>
        <translation>步数上限</translation>
    </message>
    <message>
        <source>max steps</source>
        <translation>步数上限</translation>
    </message>
    <message>
        <source>Random shifts</source>
        <translation>随机平移</translation>
    </message>
    <message>
        <source>shift</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>Dilation</source>
        <translation>空洞卷积</translation>
    </message>
    <message>
        <source>dilation</source>
        <translation>空洞</translation>
    </message>
    <message>
        <source>Dice weight</source>
        <translation>Dice 权重</translation>
    </message>
    <message>
        <source>dice</source>
        <translation>dice</translation>
    </message>
</context>
<context>
    <name>SweepDialog</name>
    <message>
        <source>Sweep: many runs over a search space</source>
        <translation>扫描：在搜索空间上进行多次训练</translation>
    </message>
    <message>
        <source>Every trial trains the window&apos;s current settings with the searched knobs drawn by Optuna. Tick the knobs to search and type their range (LOW:HIGH) or choices (A,B,C).</source>
        <translation>每次试验都用窗口当前的设置训练，被搜索的参数由 Optuna 选取。勾选要搜索的参数，并输入它们的范围（下限:上限）或选项（A,B,C）。</translation>
    </message>
    <message>
        <source>Trials at once, each in its own process; they share the CPU cores</source>
        <translation>同时进行的试验数，每个在自己的进程中；它们共用 CPU 核心</translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation>越高越好</translation>
    </message>
    <message>
        <source>lower is better</source>
        <translation>越低越好</translation>
    </message>
    <message>
        <source>TPE (learns from earlier trials)</source>
        <translation>TPE（从之前的试验中学习）</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Grid (every combination)</source>
        <translation>网格（所有组合）</translation>
    </message>
    <message>
        <source>Median (stop trials worse than the median)</source>
        <translation>中位数（停止比中位数差的试验）</translation>
    </message>
    <message>
        <source>None (every trial runs to its end)</source>
        <translation>无（每次试验都运行到结束）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Trials</source>
        <translation>试验次数</translation>
    </message>
    <message>
        <source>Parallel jobs</source>
        <translation>并行任务数</translation>
    </message>
    <message>
        <source>Objective</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <source>Pruner</source>
        <translation>剪枝器</translation>
    </message>
    <message>
        <source>Sweep folder</source>
        <translation>扫描文件夹</translation>
    </message>
    <message>
        <source>Start sweep</source>
        <translation>开始扫描</translation>
    </message>
    <message>
        <source>The sweep&apos;s folder</source>
        <translation>扫描的文件夹</translation>
    </message>
    <message>
        <source>Tick at least one knob to search.</source>
        <translation>请至少勾选一个要搜索的参数。</translation>
    </message>
    <message>
        <source>Choose the sweep&apos;s folder.</source>
        <translation>请选择扫描的文件夹。</translation>
    </message>
    <message>
        <source>The sweep folder &apos;{path}&apos; is a file, not a folder.</source>
        <translation>扫描文件夹 &apos;{path}&apos; 是一个文件，不是文件夹。</translation>
    </message>
</context>
<context>
    <name>SweepView</name>
    <message>
        <source>A sweep is running: stop it before starting another.</source>
        <translation>有一个扫描正在运行：先停止它，再开始新的扫描。</translation>
    </message>
    <message>
        <source>The settings in the panels are not valid.</source>
        <translation>面板中的设置无效。</translation>
    </message>
    <message>
        <source>Cannot start a sweep</source>
        <translation>无法开始扫描</translation>
    </message>
    <message>
        <source>Watch a sweep</source>
        <translation>观察扫描</translation>
    </message>
    <message>
        <source>A sweep is running: stop it before watching another.</source>
        <translation>有一个扫描正在运行：先停止它，再观察另一个。</translation>
    </message>
</context>
<context>
    <name>SweepWindow</name>
    <message>
        <source>Sweep</source>
        <translation>扫描</translation>
    </message>
    <message>
        <source>Stop sweep</source>
        <translation>停止扫描</translation>
    </message>
    <message>
        <source>End at the running trials&apos; next epoch; each saves its run as stopped</source>
        <translation>在运行中的试验的下一轮结束时停止；每个试验都把自己的运行保存为“已停止”</translation>
    </message>
    <message>
        <source>Open best</source>
        <translation>打开最佳</translation>
    </message>
    <message>
        <source>Fork best…</source>
        <translation>分叉最佳…</translation>
    </message>
    <message>
        <source>Continue the best trial in the main window (Run ▸ Fork from here)</source>
        <translation>在主窗口中继续最好的试验（运行 ▸ 从这里分叉）</translation>
    </message>
    <message>
        <source>Parallel coordinates</source>
        <translation>平行坐标</translation>
    </message>
    <message>
        <source>Objective vs knobs</source>
        <translation>目标与各参数</translation>
    </message>
    <message>
        <source>Importance</source>
        <translation>重要性</translation>
    </message>
    <message>
        <source>Click a trial (a row, a line or a point) to open it as a run in the main window.</source>
        <translation>点击一次试验（一行、一条线或一个点），在主窗口中把它作为运行打开。</translation>
    </message>
    <message>
        <source>Sweep: {folder}</source>
        <translation>扫描：{folder}</translation>
    </message>
    <message>
        <source>Watching sweep: {study} in {url}</source>
        <translation>正在观察扫描：{url} 中的 {study}</translation>
    </message>
    <message>
        <source>Stopping: the running trials end at their next epoch…</source>
        <translation>正在停止：运行中的试验会在下一轮结束时停下…</translation>
    </message>
    <message>
        <source>The sweep goes on in the background; Run ▸ Sweep… shows it again.</source>
        <translation>扫描仍在后台进行；“运行 ▸ 扫描…”可以再次显示它。</translation>
    </message>
    <message>
        <source>The sweep stopped</source>
        <translation>扫描已停止</translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation>越高越好</translation>
    </message>
    <message>
        <source>lower is better</source>
        <translation>越低越好</translation>
    </message>
    <message>
        <source>{objective} ({way}): {done} trials done, {pruned} pruned, {failed} failed, {running} running</source>
        <translation>{objective}（{way}）：已完成 {done} 次试验，{pruned} 次被剪枝，{failed} 次失败，{running} 次运行中</translation>
    </message>
    <message>
        <source> (of {asked})</source>
        <translation>（共 {asked} 次）</translation>
    </message>
    <message>
        <source>Best: trial {number}, {value} with {params}</source>
        <translation>最佳：试验 {number}，{value}，参数 {params}</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>The sweep has ended.</source>
        <translation>扫描已结束。</translation>
    </message>
    <message>
        <source>Trial</source>
        <translation>试验</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Run folder</source>
        <translation>运行文件夹</translation>
    </message>
    <message>
        <source>complete</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>pruned</source>
        <translation>被剪枝</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>Trial {number} has no run folder yet.</source>
        <translation>试验 {number} 还没有运行文件夹。</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>SGD (momentum)</source>
        <translation>SGD（动量）</translation>
    </message>
    <message>
        <source>bf16 (mixed)</source>
        <translation>bf16（混合精度）</translation>
    </message>
    <message>
        <source>fp16 (mixed)</source>
        <translation>fp16（混合精度）</translation>
    </message>
    <message>
        <source>How the weights follow the gradient: Adam adapts a step per weight and is a safe start; SGD with momentum is the classic</source>
        <translation>权重如何沿梯度更新：Adam 为每个权重自适应步长，是稳妥的起点；带动量的 SGD 是经典做法</translation>
    </message>
    <message>
        <source>Arrows step 1, 2, 5, 10…; may be changed while training runs (applies from the next step)</source>
        <translation>箭头按 1、2、5、10… 步进；训练中也可修改（从下一步生效）</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Images per training step: large batches are smoother and faster per image, small ones often generalise better; try 32 to 128</source>
        <translation>每个训练步的图像数：大批次更平滑、单张图像更快，小批次往往泛化更好；可试 32 到 128</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Passes over the training images; stop adding them when the validation curve flattens</source>
        <translation>遍历训练图像的次数；验证曲线变平后就不必再加</translation>
    </message>
    <message>
        <source>Same seed, same settings: the same numbers on the CPU</source>
        <translation>相同种子、相同设置：在 CPU 上得到相同的数值</translation>
    </message>
    <message>
        <source>How the learning rate changes: cosine decays it to 0 by the last step (steadier final weights); constant keeps it</source>
        <translation>学习率如何变化：余弦衰减在最后一步降到 0（最终权重更稳定）；常数则保持不变</translation>
    </message>
    <message>
        <source>cosine decay to 0</source>
        <translation>余弦衰减到 0</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>常数</translation>
    </message>
    <message>
        <source>Where to train: auto picks a GPU when this computer has one</source>
        <translation>在哪里训练：auto 会在本机有 GPU 时选用 GPU</translation>
    </message>
    <message>
        <source>Mixed precision runs on a CUDA GPU only</source>
        <translation>混合精度只能在 CUDA GPU 上运行</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>LR schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>auto ({device})</source>
        <translation>auto（{device}）</translation>
    </message>
    <message>
        <source>{device} is not available on this computer</source>
        <translation>本机没有 {device}</translation>
    </message>
</context>
<context>
    <name>Twin</name>
    <message>
        <source>B would be the same as A: change the value.</source>
        <translation>B 会和 A 一样：请修改这个值。</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>lr</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>batch</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>Learning-rate schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Random shift (pixels)</source>
        <translation>随机平移（像素）</translation>
    </message>
    <message>
        <source>shift</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>Unknown setting {key}; settings look like train.epochs or optim.lr.</source>
        <translation>未知设置 {key}；设置的写法类似 train.epochs 或 optim.lr。</translation>
    </message>
    <message>
        <source>Type a value for B&apos;s {setting}.</source>
        <translation>请为 B 的{setting}输入一个值。</translation>
    </message>
    <message>
        <source>{value} is not a usable value for {setting}.</source>
        <translation>{value} 不是{setting}的可用值。</translation>
    </message>
    <message>
        <source>Neither run reached a {figure}.</source>
        <translation>两个运行都没有得到{figure}。</translation>
    </message>
    <message>
        <source>Only {who} reached a {figure} ({value}); {other} has none to compare.</source>
        <translation>只有 {who} 得到了{figure}（{value}）；{other} 没有可比较的值。</translation>
    </message>
    <message>
        <source>A and B tie on {figure}: {value} each.</source>
        <translation>A 和 B 的{figure}打平：都是 {value}。</translation>
    </message>
    <message>
        <source>{win} reached {better} vs {worse} for {lose}: {win} did better on {figure}.</source>
        <translation>{win} 达到 {better}，{lose} 为 {worse}：{win} 的{figure}更好。</translation>
    </message>
    <message>
        <source>{win} reached {better} vs {worse} for {lose}: {win} did better on {figure} (lower is better).</source>
        <translation>{win} 达到 {better}，{lose} 为 {worse}：{win} 的{figure}更好（越低越好）。</translation>
    </message>
</context>
<context>
    <name>TwinDialog</name>
    <message>
        <source>Twin runs</source>
        <translation>双胞胎运行</translation>
    </message>
    <message>
        <source>Train the current setup (&lt;b&gt;A&lt;/b&gt;) and a copy with one setting changed (&lt;b&gt;B&lt;/b&gt;) side by side. Both use seed {seed} and see the training images in the same order, so the gap between their curves comes from that one setting.</source>
        <translation>并排训练当前设置（&lt;b&gt;A&lt;/b&gt;）和只改了一项设置的副本（&lt;b&gt;B&lt;/b&gt;）。两者都用种子 {seed}，并以相同顺序看到训练图像，所以两条曲线的差距就来自那一项设置。</translation>
    </message>
    <message>
        <source>A number, a word (adam, relu…) or a list such as [64, 32]</source>
        <translation>一个数、一个词（adam、relu…）或一个列表，例如 [64, 32]</translation>
    </message>
    <message>
        <source>Train both</source>
        <translation>训练两者</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>改动</translation>
    </message>
    <message>
        <source>A (current)</source>
        <translation>A（当前）</translation>
    </message>
</context>
<context>
    <name>TwinPlot</name>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Both runs&apos; curves appear here once they have trained a few steps.</source>
        <translation>两个运行训练几步之后，它们的曲线会出现在这里。</translation>
    </message>
    <message>
        <source>&lt;b&gt;A&lt;/b&gt; solid ━━, &lt;b&gt;B&lt;/b&gt; dashed ╍╍</source>
        <translation>&lt;b&gt;A&lt;/b&gt; 实线 ━━，&lt;b&gt;B&lt;/b&gt; 虚线 ╍╍</translation>
    </message>
</context>
<context>
    <name>TwinWindow</name>
    <message>
        <source>{setting}: {a} vs {b}</source>
        <translation>{setting}：{a} 对 {b}</translation>
    </message>
    <message>
        <source>Twin runs — {what}</source>
        <translation>双胞胎运行 — {what}</translation>
    </message>
    <message>
        <source>identical twins</source>
        <translation>完全相同的双胞胎</translation>
    </message>
    <message>
        <source>{twin}&apos;s view of the fixed preview batch appears here.</source>
        <translation>{twin} 对固定预览批次的输出会显示在这里。</translation>
    </message>
    <message>
        <source>Not started yet.</source>
        <translation>尚未开始。</translation>
    </message>
    <message>
        <source>Stop both</source>
        <translation>停止两者</translation>
    </message>
    <message>
        <source>Stop A and B after their current batch; both are saved</source>
        <translation>在当前批次后停止 A 和 B；两者都会保存</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close this window (Esc); runs still training are stopped and saved</source>
        <translation>关闭此窗口（Esc）；仍在训练的运行会被停止并保存</translation>
    </message>
    <message>
        <source>{setting} is &lt;b&gt;{a}&lt;/b&gt; for A and &lt;b&gt;{b}&lt;/b&gt; for B</source>
        <translation>{setting}：A 为 &lt;b&gt;{a}&lt;/b&gt;，B 为 &lt;b&gt;{b}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Only one thing differs: {changes}.</source>
        <translation>只有一处不同：{changes}。</translation>
    </message>
    <message>
        <source>What differs: {changes}.</source>
        <translation>不同之处：{changes}。</translation>
    </message>
    <message>
        <source>A and B are the same setup: their curves should lie on top of each other.</source>
        <translation>A 和 B 的设置相同：它们的曲线应该彼此重合。</translation>
    </message>
    <message>
        <source>Both train the {family} on {dataset} for 1 epoch with seed {seed}, and see the training images in the same shuffled order.</source>
        <translation>两者都用 {dataset} 训练 {family} 1 轮，种子为 {seed}，并以相同的打乱顺序看到训练图像。</translation>
    </message>
    <message>
        <source>Both train the {family} on {dataset} for {epochs} epochs with seed {seed}, and see the training images in the same shuffled order.</source>
        <translation>两者都用 {dataset} 训练 {family} {epochs} 轮，种子为 {seed}，并以相同的打乱顺序看到训练图像。</translation>
    </message>
    <message>
        <source>{lead} {both}</source>
        <translation>{lead}{both}</translation>
    </message>
    <message>
        <source>not started: stopped before it began</source>
        <translation>未开始：在开始前就停止了</translation>
    </message>
    <message>
        <source>Stopping both after their current batch…</source>
        <translation>正在当前批次后停止两者…</translation>
    </message>
    <message>
        <source>{loss} {value} at step {step}</source>
        <translation>{loss} {value}（第 {step} 步）</translation>
    </message>
    <message>
        <source>{twin} starts once A has created its run folder…</source>
        <translation>{twin} 将在 A 创建运行文件夹后开始…</translation>
    </message>
    <message>
        <source>{twin} preparing the data and the model…</source>
        <translation>{twin} 正在准备数据和模型…</translation>
    </message>
    <message>
        <source>{twin} started: {steps} steps per epoch.</source>
        <translation>{twin} 已开始：每轮 {steps} 步。</translation>
    </message>
    <message>
        <source>{twin} epoch {epoch} / {epochs} · step {step} / {total} · {rate} samples/s</source>
        <translation>{twin} 第 {epoch} / {epochs} 轮 · 第 {step} / {total} 步 · {rate} 样本/秒</translation>
    </message>
    <message>
        <source>interrupted: the window closed</source>
        <translation>已中断：窗口已关闭</translation>
    </message>
    <message>
        <source>not started: the window closed</source>
        <translation>未开始：窗口已关闭</translation>
    </message>
</context>
<context>
    <name>UnitView</name>
    <message>
        <source>Step the unit across its layer (or use the arrow keys)</source>
        <translation>让单元在它所在的层上移动（或用方向键）</translation>
    </message>
    <message>
        <source>←→↑↓ move the window</source>
        <translation>←→↑↓ 移动窗口</translation>
    </message>
    <message>
        <source>The input image; the box is the unit&apos;s receptive field</source>
        <translation>输入图像；方框是该单元的感受野</translation>
    </message>
    <message>
        <source>The layer&apos;s input channel; the box is the kernel&apos;s window</source>
        <translation>该层的输入通道；方框是卷积核的窗口</translation>
    </message>
    <message>
        <source>input image</source>
        <translation>输入图像</translation>
    </message>
    <message>
        <source>input × weight</source>
        <translation>输入 × 权重</translation>
    </message>
    <message>
        <source>Which input channel the grids show</source>
        <translation>网格显示哪个输入通道</translation>
    </message>
    <message>
        <source>input channel</source>
        <translation>输入通道</translation>
    </message>
    <message>
        <source>Click a channel&apos;s sum to show its grids</source>
        <translation>点击某个通道的和，显示它的网格</translation>
    </message>
    <message>
        <source>sum of the products of each input channel</source>
        <translation>每个输入通道的乘积之和</translation>
    </message>
    <message>
        <source>Click a unit in the layers above: a pixel of a map, a dense unit or a bar.</source>
        <translation>在上面的各层中点击一个单元：特征图的一个像素、一个全连接单元或一根柱条。</translation>
    </message>
    <message>
        <source>channel {c}, row {i}, col {j}</source>
        <translation>通道 {c}，第 {i} 行，第 {j} 列</translation>
    </message>
    <message>
        <source>unit {u}</source>
        <translation>单元 {u}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{layer}&lt;/b&gt;, {where}: {value}</source>
        <translation>&lt;b&gt;{layer}&lt;/b&gt;，{where}：{value}</translation>
    </message>
    <message>
        <source>pixel = {value}</source>
        <translation>像素 = {value}</translation>
    </message>
    <message>
        <source>bias</source>
        <translation>偏置</translation>
    </message>
    <message>
        <source>bias (none: batch norm shifts)</source>
        <translation>偏置（无：由批归一化平移）</translation>
    </message>
    <message>
        <source>{n} products</source>
        <translation>{n} 个乘积</translation>
    </message>
    <message>
        <source>layer input, channel {c} of {n}</source>
        <translation>层输入，{n} 个通道中的通道 {c}</translation>
    </message>
    <message>
        <source>weights {k}×{k}</source>
        <translation>权重 {k}×{k}</translation>
    </message>
    <message>
        <source>input #</source>
        <translation>输入序号</translation>
    </message>
    <message>
        <source>from</source>
        <translation>来自</translation>
    </message>
    <message>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>The {n} largest of {total} products by size; &apos;from&apos; is (channel, row, col) before the flatten</source>
        <translation>{total} 个乘积中绝对值最大的 {n} 个；“来自”是展平前的（通道, 行, 列）</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>logit</source>
        <translation>logit</translation>
    </message>
    <message>
        <source>logit − max</source>
        <translation>logit − 最大值</translation>
    </message>
    <message>
        <source>e^(logit − max)</source>
        <translation>e^(logit − 最大值)</translation>
    </message>
    <message>
        <source>p</source>
        <translation>p</translation>
    </message>
    <message>
        <source>   (max logit {shift} subtracted first)</source>
        <translation>   （先减去最大 logit {shift}）</translation>
    </message>
    <message>
        <source>→ &lt;b&gt;{label}&lt;/b&gt;: (x − mean) / √(var + ε) · γ + β = ({x} − {m}) / √({v} + {eps}) · {g} + {b} = &lt;b&gt;{y}&lt;/b&gt;</source>
        <translation>→ &lt;b&gt;{label}&lt;/b&gt;：(x − 均值) / √(方差 + ε) · γ + β = ({x} − {m}) / √({v} + {eps}) · {g} + {b} = &lt;b&gt;{y}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>→ &lt;b&gt;{label}&lt;/b&gt;: max({values}) = &lt;b&gt;{y}&lt;/b&gt; (row {r}, col {c} of the window)</source>
        <translation>→ &lt;b&gt;{label}&lt;/b&gt;：max({values}) = &lt;b&gt;{y}&lt;/b&gt;（窗口的第 {r} 行、第 {c} 列）</translation>
    </message>
    <message>
        <source>→ &lt;b&gt;{label}&lt;/b&gt;: {formula} = &lt;b&gt;{y}&lt;/b&gt; with x = {x}</source>
        <translation>→ &lt;b&gt;{label}&lt;/b&gt;：{formula} = &lt;b&gt;{y}&lt;/b&gt;，其中 x = {x}</translation>
    </message>
</context>
<context>
    <name>ViTForm</name>
    <message>
        <source>Patch size</source>
        <translation>图块大小</translation>
    </message>
    <message>
        <source>Side of the square patches cut from the image; each patch becomes one token. It must divide the image: on 28×28 digits 7 gives 16 tokens, 4 gives 49 (slower, finer attention maps)</source>
        <translation>从图像切出的正方形图块的边长；每个图块成为一个词元。它必须整除图像边长：在 28×28 的数字上，7 得到 16 个词元，4 得到 49 个（更慢，注意力图更精细）</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Numbers per token (the embedding size)</source>
        <translation>每个词元的数值个数（嵌入维度）</translation>
    </message>
    <message>
        <source>Blocks</source>
        <translation>块数</translation>
    </message>
    <message>
        <source>Encoder blocks, each attention then an MLP</source>
        <translation>编码器块数，每块先注意力再 MLP</translation>
    </message>
    <message>
        <source>Heads</source>
        <translation>头数</translation>
    </message>
    <message>
        <source>Attention heads per block; each looks at width ÷ heads numbers of every token</source>
        <translation>每块的注意力头数；每个头看每个词元的 宽度 ÷ 头数 个数值</translation>
    </message>
    <message>
        <source>MLP ratio</source>
        <translation>MLP 倍率</translation>
    </message>
    <message>
        <source>Each block&apos;s MLP has width × this many hidden units</source>
        <translation>每块的 MLP 有 宽度 × 此值 个隐藏单元</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>Dropout 比例</translation>
    </message>
</context>
<context>
    <name>WatchSweepDialog</name>
    <message>
        <source>Watch a sweep</source>
        <translation>观察扫描</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Sweep folder</source>
        <translation>扫描文件夹</translation>
    </message>
    <message>
        <source>or a study storage other processes write:</source>
        <translation>或者其他进程写入的研究存储：</translation>
    </message>
    <message>
        <source>Storage URL</source>
        <translation>存储 URL</translation>
    </message>
    <message>
        <source>Study name</source>
        <translation>研究名称</translation>
    </message>
    <message>
        <source>A sweep folder</source>
        <translation>扫描文件夹</translation>
    </message>
    <message>
        <source>Choose a sweep folder (with its sweep.json or study.db), or type a storage URL.</source>
        <translation>请选择一个扫描文件夹（其中有 sweep.json 或 study.db），或者输入存储 URL。</translation>
    </message>
</context>
<context>
    <name>WindowConfig</name>
    <message>
        <source>Show all controls</source>
        <translation>显示全部控件</translation>
    </message>
    <message>
        <source>Stop the run before opening a lesson.</source>
        <translation>请先停止当前运行，再打开课程。</translation>
    </message>
    <message>
        <source>Press Start to train the lesson&apos;s model.</source>
        <translation>按“开始”训练本课的模型。</translation>
    </message>
    <message>
        <source>Lesson: {title}. Press Start (Space).</source>
        <translation>本课：{title}。按“开始”（空格键）开始训练。</translation>
    </message>
    <message>
        <source>Lesson: {title}. Run ▸ Sweep… runs its sweep.</source>
        <translation>课程：{title}。“运行 ▸ 扫描…”运行它的扫描。</translation>
    </message>
    <message>
        <source>Save the experiment</source>
        <translation>保存实验</translation>
    </message>
    <message>
        <source>Experiment (*.json)</source>
        <translation>实验 (*.json)</translation>
    </message>
    <message>
        <source>The settings are not valid yet: {problem}</source>
        <translation>设置尚未有效：{problem}</translation>
    </message>
    <message>
        <source>Save experiment</source>
        <translation>保存实验</translation>
    </message>
    <message>
        <source>Cannot write &apos;{path}&apos;: {reason}.</source>
        <translation>无法写入“{path}”：{reason}。</translation>
    </message>
    <message>
        <source>Saved the experiment to {path} (vision-lab train --config {file})</source>
        <translation>已把实验保存到 {path}（vision-lab train --config {file}）</translation>
    </message>
    <message>
        <source>Some model settings above are not valid.</source>
        <translation>上面的一些模型设置无效。</translation>
    </message>
    <message>
        <source>Device &apos;{device}&apos; is not available on this computer.</source>
        <translation>这台电脑上没有设备“{device}”。</translation>
    </message>
    <message>
        <source>Train with these settings (F5)</source>
        <translation>用这些设置训练（F5）</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Ready: {family} on {dataset}. Press Start.</source>
        <translation>就绪：{dataset} 上的 {family}。按“开始”。</translation>
    </message>
    <message>
        <source>dataset {name}</source>
        <translation>数据集 {name}</translation>
    </message>
    <message>
        <source>{family} trains best with its own settings, so these changed: {changes}.</source>
        <translation>{family} 用它自己的设置训练效果最好，因此这些设置已更改：{changes}。</translation>
    </message>
</context>
<context>
    <name>WindowLayout</name>
    <message>
        <source>Press Start: the model&apos;s view of a fixed batch of images appears here.</source>
        <translation>按“开始”：模型对一批固定图像的输出会显示在这里。</translation>
    </message>
    <message>
        <source>Replay this run&apos;s previews (and confusion matrix) at any past step</source>
        <translation>回放此运行在任一过去步骤的预览（及混淆矩阵）</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Follow the run again</source>
        <translation>重新跟随运行</translation>
    </message>
    <message>
        <source>Export GIF…</source>
        <translation>导出 GIF…</translation>
    </message>
    <message>
        <source>Save the history of previews as an animated GIF</source>
        <translation>将预览历史保存为 GIF 动画</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation>实验</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Train with these settings (F5)</source>
        <translation>用这些设置训练（F5）</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Pause or resume (F6)</source>
        <translation>暂停或继续（F6）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop and save the run (Shift+F5)</source>
        <translation>停止并保存运行（Shift+F5）</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Train exactly one batch and show its effect (F7)</source>
        <translation>只训练一个批次并显示其效果（F7）</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Discard the paused model: the next Start begins from fresh weights</source>
        <translation>丢弃已暂停的模型：下次“开始”将从全新权重训练</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>检视</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open run…</source>
        <translation>打开运行(&amp;O)…</translation>
    </message>
    <message>
        <source>Save e&amp;xperiment as…</source>
        <translation>实验另存为(&amp;X)…</translation>
    </message>
    <message>
        <source>The panels&apos; settings as a JSON file: vision-lab train --config FILE runs it anywhere</source>
        <translation>把各面板的设置存为 JSON 文件：vision-lab train --config FILE 可在任何地方运行它</translation>
    </message>
    <message>
        <source>&amp;Recent runs</source>
        <translation>最近的运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Stage mode</source>
        <translation>演示模式(&amp;S)</translation>
    </message>
    <message>
        <source>Full screen and large fonts, for a room</source>
        <translation>全屏和大字体，适合教室投影</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Lessons</source>
        <translation>课程(&amp;L)</translation>
    </message>
</context>
</TS>
